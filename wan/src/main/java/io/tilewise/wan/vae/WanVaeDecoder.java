package io.tilewise.wan.vae;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.NativeHeap;
import io.tilewise.pipeline.onnx.OrtBuffers;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Decodes normalized Wan latents {@code [16, F', H', W']} (as the denoising loop holds them) to frames
 * {@code [F, H, W, 3]} in {@code [0, 1]}, like {@code WanPipeline}'s output path: un-normalize with the config's
 * {@code latents_mean}/{@code latents_std}, {@code AutoencoderKLWan.decode} one latent frame at a time with the
 * feature caches carried between calls, clamp, {@code x / 2 + 0.5}. Memory is bounded by one chunk (at most
 * {@code temporalScale} output frames) plus the caches, whatever the clip length. The graphs ({@link WanVaeGraphs})
 * hold a chunk frames-first, {@code [T, C, H, W]}; a latent frame enters as {@code [1, z, H', W']}.
 *
 * <p>Two sets of sessions: one for the first chunk, whose caches are all zeros (folded into the graphs: a third of
 * the causal convolutions' work), and one for every later chunk, with the frame count of each stage fixed (1, then
 * doubled by each temporal up-sampler) so that ONNX Runtime plans static shapes and fuses the convolution sums. The
 * first set holds only one kernel slice of each causal convolution, about a third of the weights.
 *
 * <p>One decoder serves one latent size (the graphs are built for it); not thread-safe.
 */
public final class WanVaeDecoder implements AutoCloseable {

    private final WanVaeConfig config;
    private final int latentHeight;
    private final int latentWidth;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final List<VaeSegment> segments = new ArrayList<>();
    private final List<OrtSession> sessions = new ArrayList<>();
    /** The first chunk's sessions, one per segment (null for the temporal segments that chunk skips). */
    private final List<OrtSession> firstSessions = new ArrayList<>();

    /**
     * Builds and loads the graphs.
     *
     * @param threads ONNX Runtime intra-op threads
     * @throws io.tilewise.pipeline.model.ModelFormatException when a weight is missing or has the wrong shape
     */
    public WanVaeDecoder(WanVaeConfig config, WanVaeWeights weights, int latentHeight, int latentWidth, int threads) {
        this(config, weights, latentHeight, latentWidth, threads, null);
    }

    /**
     * As above; with a non-null {@code profilePrefix} every segment's session writes an ONNX Runtime profile
     * ({@code profilePrefix_<time>.json}, written by {@link #endProfiling()}). For developer tools.
     */
    public WanVaeDecoder(WanVaeConfig config, WanVaeWeights weights, int latentHeight, int latentWidth, int threads,
                         String profilePrefix) {
        if (latentHeight < 1 || latentWidth < 1) {
            throw new IllegalArgumentException("latent size " + latentHeight + "x" + latentWidth + " must be at least 1x1");
        }
        if (threads < 1) throw new IllegalArgumentException("ORT threads " + threads + " must be >= 1");
        this.config = config;
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
        this.env = OrtEnvironment.getEnvironment();
        try {
            // no spinning workers: each convolution runs for milliseconds, so waking the pool costs nothing, while
            // spinning only burns a shared machine's cores (measured: same wall time, 10-20 % less CPU time)
            options = ModelSessions.baseOptions(threads);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot configure ONNX Runtime: " + e.getMessage(), e);
        }
        try {
            // Activations are hundreds of MB at video sizes and their frame count changes between chunks: an arena
            // would keep the largest of each around; plain allocation costs nothing next to the convolutions.
            options.setCPUArenaAllocator(false);
            options.setMemoryPatternOptimization(false);
            if (profilePrefix != null) options.enableProfiling(profilePrefix);
            new WanVaeGraphs(config, weights, latentHeight, latentWidth, true).build(s -> {
                firstSessions.add(s.model() == null ? null : session(s));
            });
            new WanVaeGraphs(config, weights, latentHeight, latentWidth, false).build(s -> {
                sessions.add(session(s));
                segments.add(new VaeSegment(s.name(), new byte[0], s.caches(), s.temporal()));
            });
            if (firstSessions.size() != sessions.size()) {
                throw new IllegalStateException("first-chunk graphs " + firstSessions.size() + " != " + sessions.size());
            }
            NativeHeap.releaseAfterBuild();
        } catch (OrtException | RuntimeException e) {
            close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException("ONNX Runtime options: " + e.getMessage(), e);
        }
    }

    private OrtSession session(VaeSegment s) {
        try {
            return env.createSession(s.model(), options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the Wan VAE graph " + s.name() + ": " + e.getMessage(), e);
        }
    }

    public WanVaeConfig config() {
        return config;
    }

    /** Output frames for {@code latentFrames} latent frames: {@code 1 + temporalScale·(F' − 1)}. */
    public int outputFrames(int latentFrames) {
        return config.outputFrames(latentFrames);
    }

    /**
     * Decodes {@code latents}, {@code [zDim, frames, H', W']} row-major (batch 1), to {@code [F, H, W, 3]}.
     *
     * @param progress told the number of latent frames done after each one (may be null)
     */
    public float[] decode(float[] latents, int frames, IntConsumer progress) {
        int z = config.zDim();
        long plane = (long) latentHeight * latentWidth;
        if (frames < 1 || latents.length != z * frames * plane) {
            throw new IllegalArgumentException("latents hold " + latents.length + " values; [" + z + ", " + frames + ", "
                    + latentHeight + ", " + latentWidth + "] needs " + z * frames * plane);
        }
        int s = config.spatialScale();
        long frameValues = (long) latentHeight * s * latentWidth * s * config.outChannels();
        long total = config.outputFrames(frames) * frameValues;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("the video has " + total + " values, more than one array holds");
        float[] video = new float[(int) total];
        Map<String, OnnxTensor> temporalZeros = new HashMap<>();
        // Per segment, the caches its last run produced; every tensor is closed as soon as its consumer has run.
        List<Map<String, OnnxTensor>> carried = new ArrayList<>();
        for (int k = 0; k < segments.size(); k++) carried.add(new HashMap<>());
        float[] mean = config.latentsMean();
        float[] std = config.latentsStd();
        int written = 0;
        OnnxTensor x = null;
        try {
            for (int f = 0; f < frames; f++) {
                x = latentFrame(latents, f, frames, mean, std);
                for (int k = 0; k < segments.size(); k++) {
                    VaeSegment seg = segments.get(k);
                    // diffusers' first chunk leaves the time convolution out ("Rep"): one frame, not doubled.
                    if (seg.temporal() && f == 0) continue;
                    Map<String, OnnxTensor> previous = carried.get(k);
                    Map<String, OnnxTensor> in = new HashMap<>();
                    in.put(WanVaeGraphs.X, x);
                    // The first chunk's graphs have the zero caches folded in and take no cache inputs.
                    if (f > 0) {
                        for (VaeSegment.CacheSlot slot : seg.caches()) {
                            OnnxTensor cache = previous.get(slot.output());
                            in.put(slot.input(), cache != null ? cache : zeros(temporalZeros, slot.shape()));
                        }
                    }
                    OrtSession.Result result = (f == 0 ? firstSessions : sessions).get(k).run(in);
                    // The result's tensors are owned one by one from here on (the Result itself is not closed).
                    x.close();
                    x = null;
                    closeAll(previous);
                    for (VaeSegment.CacheSlot slot : seg.caches()) previous.put(slot.output(), tensor(result, slot.output()));
                    x = tensor(result, WanVaeGraphs.Y);
                }
                FloatBuffer out = x.getFloatBuffer();
                int values = out.remaining();
                out.get(video, written, values);
                written += values;
                x.close();
                x = null;
                if (f == 1) closeAll(temporalZeros);
                if (progress != null) progress.accept(f + 1);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the Wan VAE decoder: " + e.getMessage(), e);
        } finally {
            if (x != null) x.close();
            carried.forEach(WanVaeDecoder::closeAll);
            closeAll(temporalZeros);
        }
        if (written != video.length) throw new IllegalStateException("decoder produced " + written + " of " + video.length + " values");
        return video;
    }

    /** Latent frame {@code f} un-normalized as WanPipeline does: {@code z / (1 / std) + mean} in float32. */
    private OnnxTensor latentFrame(float[] latents, int f, int frames, float[] mean, float[] std) throws OrtException {
        int z = config.zDim();
        int plane = latentHeight * latentWidth;
        float[] chunk = new float[z * plane];
        for (int c = 0; c < z; c++) {
            float inverse = 1f / std[c];
            int from = (c * frames + f) * plane;
            for (int i = 0; i < plane; i++) chunk[c * plane + i] = latents[from + i] / inverse + mean[c];
        }
        return OrtBuffers.floats(env, chunk, 1, z, latentHeight, latentWidth).tensor();
    }

    /** Ends profiling of every segment's session; returns the profile files written (empty when not profiling). */
    public List<String> endProfiling() {
        List<String> files = new ArrayList<>();
        try {
            for (OrtSession s : allSessions()) {
                String f = s.endProfiling();
                if (f != null && !f.isEmpty()) files.add(f);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not end profiling: " + e.getMessage(), e);
        }
        return files;
    }

    private static OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new IllegalStateException("Wan VAE graph has no output " + name));
        return (OnnxTensor) v;
    }

    private OnnxTensor zeros(Map<String, OnnxTensor> pool, long[] shape) {
        return pool.computeIfAbsent(java.util.Arrays.toString(shape), key -> OrtBuffers.floats(env, shape).tensor());
    }

    private static void closeAll(Map<String, OnnxTensor> tensors) {
        tensors.values().forEach(OnnxTensor::close);
        tensors.clear();
    }

    private List<OrtSession> allSessions() {
        List<OrtSession> all = new ArrayList<>(sessions);
        for (OrtSession s : firstSessions) if (s != null) all.add(s);
        return all;
    }

    @Override
    public void close() {
        for (OrtSession s : allSessions()) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // closing is best effort
            }
        }
        sessions.clear();
        firstSessions.clear();
        if (options != null) options.close();
    }
}
