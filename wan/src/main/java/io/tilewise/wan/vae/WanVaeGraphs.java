package io.tilewise.wan.vae;

import io.tilewise.pipeline.onnx.OnnxGraphBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.tilewise.pipeline.onnx.OnnxGraphBuilder.integer;
import static io.tilewise.pipeline.onnx.OnnxGraphBuilder.ints;
import static io.tilewise.pipeline.onnx.OnnxGraphBuilder.string;

/**
 * Builds the ONNX graphs of diffusers' {@code AutoencoderKLWan} decode path (Wan 2.1) for one latent size: {@code
 * post_quant_conv}, {@code WanDecoder3d} and the pipeline's clamp and {@code [0, 1]} conversion, cut into segments after
 * every residual block and around every temporal up-sampler's time convolution (which the first chunk skips).
 *
 * <p>Layout: frames as the batch axis, {@code [T, C, H, W]}, so that every convolution is a 2-D one, which ONNX
 * Runtime runs on MLAS's blocked NCHWc kernels and can fuse sums into. A causal 3×3×3 convolution concatenates its
 * carried cache (the previous chunk's last 2 input frames) in front on the frame axis, {@code [T+2, C, H, W]}, which
 * reproduces diffusers' left-only time padding with {@code feat_cache} exactly; it is then the sum of three 3×3
 * Conv2d, kernel slice k over frames {@code [k, k+T)} of that (the bias added once; the windows are assembled from
 * the cache and the input directly), which ONNX Runtime fuses into one chain
 * of NCHWc convolutions accumulating in place. It does so only for static shapes, so every stage's frame count is
 * fixed (1, doubled by each temporal up-sampler): these graphs serve the chunks after the first, and the first
 * chunk, whose caches are zeros, gets its own set (see the constructor). The per-frame attention, the RMS norm over
 * channels (axis 1), the nearest up-sampling (Resize) and the time convolution's frame interleave
 * ({@code [T, 2C]} read as {@code [2T, C]}) need no transposes in this layout.
 * The last segment emits {@code [T, H, W, 3]} frames in {@code [0, 1]}. Weights become initializers (a decoder of
 * Wan2.1's size is ~290 MB in float32).
 */
final class WanVaeGraphs {

    static final String X = "x";
    static final String Y = "y";
    /** CACHE_T of diffusers: frames a causal convolution carries into the next chunk. */
    static final int CACHE_T = 2;
    private static final float NORM_EPS = 1e-12f;

    private final WanVaeConfig config;
    private final WanVaeWeights weights;
    private final int latentHeight;
    private final int latentWidth;
    private final boolean firstChunk;

    // state of the segment being built
    private OnnxGraphBuilder g;
    private List<VaeSegment.CacheSlot> caches;
    private int height;
    private int width;
    /** Frames of the chunk at the current stage: 1, doubled by every temporal up-sampler outside the first chunk. */
    private long frames;
    private int cacheCount;
    private int segmentCount;
    private String lastModule = "";
    private Consumer<VaeSegment> sink;

    /**
     * @param firstChunk build the first chunk's graphs: every cache is zeros there, so each causal 3×3×3 convolution
     *                   is the single Conv2d of its newest kernel slice on the one frame (the two zero frames
     *                   contribute exact zeros; a third of the work), the cache inputs are absent and the temporal
     *                   segments are placeholders without a model (that chunk skips them)
     */
    WanVaeGraphs(WanVaeConfig config, WanVaeWeights weights, int latentHeight, int latentWidth, boolean firstChunk) {
        this.firstChunk = firstChunk;
        this.config = config;
        this.weights = weights;
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
    }

    /**
     * Builds the segments in execution order, handing each to {@code sink} as soon as it is built so that its
     * serialized weights can be loaded and dropped before the next is built. A segment ends after every residual
     * block: a segment's carried caches are held twice while it runs (the inputs and the new outputs), so small
     * segments keep that overlap to one block's caches (at 480×832, 2 × 307 MB instead of all of them).
     */
    void build(Consumer<VaeSegment> sink) {
        this.sink = sink;
        int[] dims = config.decoderDims();
        int z = config.zDim();
        height = latentHeight;
        width = latentWidth;
        frames = 1;
        String x = begin(z);
        x = pointwise(x, "post_quant_conv", z, z, 5);
        x = causalConv(x, "decoder.conv_in", z, dims[0]);
        x = residual(x, "decoder.mid_block.resnets.0", dims[0], dims[0]);
        x = attention(x, "decoder.mid_block.attentions.0", dims[0]);
        x = residual(x, "decoder.mid_block.resnets.1", dims[0], dims[0]);
        x = cut(x, dims[0], false);
        int last = config.upBlocks() - 1;
        for (int i = 0; i <= last; i++) {
            String block = "decoder.up_blocks." + i;
            int in = i == 0 ? dims[0] : dims[i] / 2;
            int out = dims[i + 1];
            for (int j = 0; j <= config.numResBlocks(); j++) {
                x = residual(x, block + ".resnets." + j, j == 0 ? in : out, out);
                if (i < last || j < config.numResBlocks()) x = cut(x, out, false);
            }
            if (i == last) break;
            String up = block + ".upsamplers.0.";
            if (config.temporalUpsample(i)) {
                // A segment of its own: the first chunk skips it.
                if (firstChunk) {
                    cacheCount++; // keeps the cache names equal to the other chunks' graphs
                    sink.accept(new VaeSegment(segmentName(), null, List.of(), true));
                } else {
                    x = timeConv(x, up + "time_conv", out);
                    x = cut(x, out, true);
                }
            }
            x = spatialUpsample(x, up + "resample.1", out, out / 2);
        }
        int c = dims[dims.length - 1];
        x = g.silu(rmsNorm(x, "decoder.norm_out.gamma", c, 3));
        x = causalConv(x, "decoder.conv_out", c, config.outChannels());
        sink.accept(finishFrames(x));
    }

    /** The frame axis as declared: symbolic in the first chunk's graphs (see {@link #firstChunkConv}), else fixed. */
    private Object frameDim() {
        return firstChunk ? "frames" : (Object) frames;
    }

    // ---- segments -------------------------------------------------------------------------------------------

    private String begin(int channels) {
        g = new OnnxGraphBuilder("wan_vae_segment_" + segmentCount);
        caches = new ArrayList<>();
        return g.floatInput(X, frameDim(), (long) channels, (long) height, (long) width);
    }

    /** Ends the current segment with {@code x} as its output and starts the next with it as input. */
    private String cut(String x, int channels, boolean temporal) {
        sink.accept(finish(x, channels, temporal));
        return begin(channels);
    }

    private VaeSegment finish(String x, int channels, boolean temporal) {
        g.floatOutput(Y, x, frameDim(), (long) channels, (long) height, (long) width);
        return new VaeSegment(segmentName(), g.build(), List.copyOf(caches), temporal);
    }

    /** Clamp to [-1, 1] (AutoencoderKLWan._decode), then {@code x / 2 + 0.5} clamped to [0, 1] and channels last. */
    private VaeSegment finishFrames(String x) {
        String clamped = g.op("Clip", List.of(x, g.scalar(-1f), g.scalar(1f)));
        String unit = g.op("Clip", List.of(g.add(g.mul(clamped, g.scalar(0.5f)), g.scalar(0.5f)), g.scalar(0f), g.scalar(1f)));
        String framesLast = g.transpose(unit, 0, 2, 3, 1);
        g.floatOutput(Y, framesLast, frameDim(), (long) height, (long) width, (long) config.outChannels());
        return new VaeSegment(segmentName(), g.build(), List.copyOf(caches), false);
    }

    /** {@code segment N (up to decoder.up_blocks.1.resnets.2)}, for error messages. */
    private String segmentName() {
        return "segment " + segmentCount++ + " (up to " + lastModule + ")";
    }

    // ---- layers ---------------------------------------------------------------------------------------------

    /** WanResidualBlock: shortcut (1×1 conv when widths differ) + conv2(silu(norm2(conv1(silu(norm1(x)))))). */
    private String residual(String x, String prefix, int in, int out) {
        String shortcut = in == out ? x : pointwise(x, prefix + ".conv_shortcut", in, out, 5);
        String h = g.silu(rmsNorm(x, prefix + ".norm1.gamma", in, 3));
        h = causalConv(h, prefix + ".conv1", in, out);
        h = g.silu(rmsNorm(h, prefix + ".norm2.gamma", out, 3));
        h = causalConv(h, prefix + ".conv2", out, out);
        return g.add(h, shortcut);
    }

    /**
     * WanAttentionBlock: per frame, RMS norm, 1×1 qkv, single-head softmax(q·kᵀ/sqrt(C))·v over the frame's pixels,
     * 1×1 projection, plus the input.
     */
    private String attention(String x, String prefix, int c) {
        String n = rmsNorm(x, prefix + ".norm.gamma", c, 2);
        String qkv = pointwise(n, prefix + ".to_qkv", c, 3 * c, 4);
        long pixels = (long) height * width;
        String tokens = g.transpose(g.reshape(qkv, -1, 3L * c, pixels), 0, 2, 1);
        String[] parts = g.split(tokens, 2, 3);
        String scores = g.mul(g.matMul(parts[0], g.transpose(parts[1], 0, 2, 1)), g.scalar((float) (1 / Math.sqrt(c))));
        String o = g.matMul(g.softmax(scores, -1), parts[2]);
        String back = g.reshape(g.transpose(o, 0, 2, 1), -1, c, height, width);
        return g.add(pointwise(back, prefix + ".proj", c, c, 4), x);
    }

    /**
     * WanRMS_norm, channel first: {@code F.normalize(x, dim=1) · sqrt(C) · gamma} with F.normalize's
     * {@code x / max(‖x‖₂, 1e-12)}; {@code gammaRank} is the gamma tensor's rank ({@code [C,1,1,1]} or {@code [C,1,1]}).
     */
    private String rmsNorm(String x, String gammaName, int c, int gammaRank) {
        long[] gammaShape = new long[gammaRank + 1];
        java.util.Arrays.fill(gammaShape, 1);
        gammaShape[0] = c;
        float[] gamma = weights.get(gammaName, gammaShape);
        float scale = (float) Math.sqrt(c);
        float[] scaled = new float[c];
        for (int i = 0; i < c; i++) scaled[i] = gamma[i] * scale;
        String norm = g.op("Sqrt", List.of(g.op("ReduceSumSquare", List.of(x), ints("axes", 1), integer("keepdims", 1))));
        String denominator = g.op("Max", List.of(norm, g.scalar(NORM_EPS)));
        return g.mul(g.div(x, denominator), g.floats(scaled, 1, c, 1, 1));
    }

    /**
     * WanCausalConv3d with kernel 3×3×3 and padding 1: the carried cache stands in for the left time padding, then
     * {@code Σ_k Conv2d(frames [k, k+T), weight[:, :, k])} with 3×3 kernels and spatial padding 1.
     */
    private String causalConv(String x, String prefix, int in, int out) {
        if (firstChunk) return firstChunkConv(x, prefix, in, out);
        return timeTaps(windows(x, in), prefix, in, out, 3);
    }

    /**
     * The first chunk's causal 3×3×3 convolution of its single frame: the carried frames are zeros, so only kernel
     * slice 2 meets data; the next cache is {@code [0, x]}.
     */
    private String firstChunkConv(String x, String prefix, int in, int out) {
        lastModule = prefix;
        int id = cacheCount++;
        long[] shape = {CACHE_T, in, height, width};
        // A zero frame shaped like x (one frame): made at run time, as a constant it would be folded into an
        // initializer of a whole frame per convolution (≈ 1.7 GB at 480×832), hence the symbolic frame axis here.
        String zero = g.op("ConstantOfShape", List.of(g.op("Shape", List.of(x))));
        String output = "cache_" + id + "_next";
        g.floatOutput(output, g.concat(0, zero, x), "cache_frames", shape[1], shape[2], shape[3]);
        caches.add(new VaeSegment.CacheSlot("cache_" + id, output, shape));
        float[] w = weights.get(prefix + ".weight", out, in, 3, 3, 3);
        float[] b = weights.get(prefix + ".bias", out);
        float[] newest = new float[out * in * 9];
        for (int o = 0; o < out * in; o++) System.arraycopy(w, (o * 3 + 2) * 9, newest, o * 9, 9);
        return g.op("Conv", List.of(x, g.floats(newest, out, in, 3, 3), g.floats(b, out)),
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
    }

    /**
     * WanResample upsample3d's time_conv ({@code C → 2C}, kernel (3,1,1), causal), then diffusers' interleave:
     * output frame {@code 2t} is channels {@code [0, C)} at time t, frame {@code 2t+1} channels {@code [C, 2C)} — in
     * the frames-first layout simply {@code [T, 2C, H, W]} read as {@code [2T, C, H, W]}.
     */
    private String timeConv(String x, String prefix, int c) {
        String y = timeTaps(windows(x, c), prefix, c, 2 * c, 1);
        frames *= 2;
        return g.reshape(y, frames, c, height, width);
    }

    /**
     * A causal convolution of kernel {@code 3 × k × k} as three Conv2d on the frame windows of {@link #windows},
     * summed; weight {@code [out, in, 3, k, k]}, spatial padding {@code k / 2}.
     */
    private String timeTaps(String[] windows, String prefix, int in, int out, int k) {
        lastModule = prefix;
        float[] w = weights.get(prefix + ".weight", out, in, 3, k, k);
        float[] b = weights.get(prefix + ".bias", out);
        int taps = k * k;
        long pad = k / 2;
        String sum = null;
        for (int j = 0; j < 3; j++) {
            float[] wj = new float[out * in * taps];
            for (int o = 0; o < out * in; o++) System.arraycopy(w, (o * 3 + j) * taps, wj, o * taps, taps);
            List<String> inputs = j == 0 ? List.of(windows[j], g.floats(wj, out, in, k, k), g.floats(b, out))
                    : List.of(windows[j], g.floats(wj, out, in, k, k));
            String y = g.op("Conv", inputs, ints("kernel_shape", k, k), ints("pads", pad, pad, pad, pad));
            sum = sum == null ? y : g.add(sum, y);
        }
        return sum;
    }

    /**
     * WanUpsample (nearest, ×2 in H and W: each output pixel copies input pixel {@code (⌊y/2⌋, ⌊x/2⌋)}) then the
     * per-frame 3×3 Conv2d. Resize with asymmetric coordinates and floor rounding is that copy exactly; ONNX Runtime
     * runs it in the blocked NCHWc layout next to the convolution (an Expand-based copy took as long as ten
     * convolutions' reorders).
     */
    private String spatialUpsample(String x, String prefix, int in, int out) {
        lastModule = prefix;
        String up = g.op("Resize", List.of(x, "", g.floats(new float[] {1, 1, 2, 2}, 4)),
                string("mode", "nearest"), string("coordinate_transformation_mode", "asymmetric"), string("nearest_mode", "floor"));
        height *= 2;
        width *= 2;
        float[] w = weights.get(prefix + ".weight", out, in, 3, 3);
        float[] b = weights.get(prefix + ".bias", out);
        return g.op("Conv", List.of(up, g.floats(w, out, in, 3, 3), g.floats(b, out)),
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
    }

    /**
     * The three frame windows {@code [j, j+T)} of {@code [cache, x]} (cache: the carried 2 frames), built from the
     * pieces each needs rather than by slicing one concatenation, so that the frames are copied less often (window 2
     * is {@code x} itself, window 0 at {@code T = 2} the cache); exposes the last 2 frames as the next cache.
     */
    private String[] windows(String x, int channels) {
        int id = cacheCount++;
        long[] shape = {CACHE_T, channels, height, width};
        String cache = "cache_" + id;
        String output = "cache_" + id + "_next";
        g.floatInput(cache, shape[0], shape[1], shape[2], shape[3]);
        String older = frames(cache, 1, 2);
        String[] w = new String[3];
        String next;
        if (frames == 1) {
            w[0] = frames(cache, 0, 1);
            w[1] = older;
            next = g.concat(0, older, x);
        } else if (frames == 2) {
            w[0] = cache;
            w[1] = g.concat(0, older, frames(x, 0, 1));
            next = x;
        } else {
            w[0] = g.concat(0, cache, frames(x, 0, frames - 2));
            w[1] = g.concat(0, older, frames(x, 0, frames - 1));
            next = frames(x, frames - 2, frames);
        }
        w[2] = x;
        g.floatOutput(output, next, shape[0], shape[1], shape[2], shape[3]);
        caches.add(new VaeSegment.CacheSlot(cache, output, shape));
        return w;
    }

    /** Frames {@code [from, to)} of a frames-first tensor. */
    private String frames(String x, long from, long to) {
        return g.op("Slice", List.of(x, g.longs(from), g.longs(to), g.longs(0)));
    }

    /**
     * A 1×1 convolution as a Conv2d; {@code rank} is the checkpoint weight's rank (5 for a 1×1×1 Conv3d
     * {@code [out, in, 1, 1, 1]}, 4 for a Conv2d {@code [out, in, 1, 1]}).
     */
    private String pointwise(String x, String prefix, int in, int out, int rank) {
        lastModule = prefix;
        float[] w = rank == 5 ? weights.get(prefix + ".weight", out, in, 1, 1, 1) : weights.get(prefix + ".weight", out, in, 1, 1);
        float[] b = weights.get(prefix + ".bias", out);
        return g.op("Conv", List.of(x, g.floats(w, out, in, 1, 1), g.floats(b, out)), ints("kernel_shape", 1, 1));
    }
}
