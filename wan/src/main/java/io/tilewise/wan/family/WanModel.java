package io.tilewise.wan.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.run.StepListener;
import io.tilewise.pipeline.run.Video;
import io.tilewise.wan.scheduler.SchedulerConfig;
import io.tilewise.wan.scheduler.WanScheduler;
import io.tilewise.wan.text.PromptEncoder;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanStageRunner;
import io.tilewise.wan.transformer.WanTransformer;
import io.tilewise.wan.vae.WanVaeConfig;
import io.tilewise.wan.vae.WanVaeDecoder;
import io.tilewise.wan.vae.WanVaeFolder;
import io.tilewise.wan.vae.WanVaeWeights;
import io.tilewise.wan.weights.DiffusersFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded Wan2.1 pipeline folder: the transformer's ORT stages (released while a clip is decoded, rebuilt for the next
 * generation), the UMT5 prompt encoder (kept open; it runs once per generation), the VAE (its decoder is built per
 * video size when a clip is decoded) and the scheduler config. Every
 * component is checked before any session is built; a bad folder fails with one line naming the part.
 */
public final class WanModel implements DenoiserModel {

    private final Path dir;
    private final int threads;
    private final WanConfig config;
    private final WanVaeFolder vae;
    private final SchedulerConfig scheduler;
    private final ModelCard card;
    private final PromptEncoder text;
    private final WanStageRunner runner;
    private volatile StepListener listener = StepListener.NONE;

    WanModel(Path dir, StageOptions options) {
        this.dir = dir;
        this.threads = options.threads();
        DiffusersFolder.component(dir, "transformer", WanConfig.CLASS_NAME);   // model_index.json: class and components
        this.config = WanFamily.part("transformer", () -> WanTransformer.readConfig(dir));
        this.vae = WanFamily.part("vae", () -> WanVaeFolder.open(dir));
        this.scheduler = WanFamily.part("scheduler", () -> SchedulerConfig.read(WanFamily.schedulerConfig(dir)));
        this.card = WanFamily.card(dir, config, vae.config(), scheduler);
        WanVaeConfig v = vae.config();
        if (v.zDim() != config.inChannels() || config.outChannels() != config.inChannels()) {
            throw new ModelFormatException("vae: z_dim " + v.zDim() + " does not match the transformer's in_channels "
                    + config.inChannels() + " / out_channels " + config.outChannels());
        }
        // the VAE's weights are checked now (a 1x1 latent decoder), not after minutes of denoising
        WanFamily.part("vae", () -> {
            try (WanVaeWeights weights = vae.weights(); WanVaeDecoder check = new WanVaeDecoder(v, weights, 1, 1, threads)) {
                return check.config();
            }
        });
        PromptEncoder encoder = PromptEncoder.open(dir, PromptEncoder.DEFAULT_MAX_TOKENS, threads);
        try {
            if (encoder.dModel() != config.textDim()) {
                throw new ModelFormatException("text_encoder: d_model " + encoder.dModel() + " does not match the transformer's text_dim "
                        + config.textDim());
            }
            this.runner = WanFamily.part("transformer", () -> WanStageRunner.open(dir, threads, options.precision()));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        this.text = encoder;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    /**
     * WanPipeline's size rules: height and width multiples of 16 (refused otherwise, as diffusers refuses them);
     * frames not of the form 4n + 1 are rounded down to it with a warning, as diffusers rounds them.
     */
    @Override
    public LatentLayout layout(int frames, int height, int width) {
        int spatial = card.geometry().heightStride();
        if (height % spatial != 0 || width % spatial != 0) {
            throw new IllegalArgumentException("height " + height + " and width " + width + " must be multiples of " + spatial
                    + " for Wan2.1 (e.g. 480x832)");
        }
        int temporal = vae.config().temporalScale();
        List<String> warnings = new ArrayList<>();
        int videoFrames = frames;
        if (frames % temporal != 1) {
            videoFrames = Math.max(frames / temporal * temporal + 1, 1);
            warnings.add("frames " + frames + " is not " + temporal + "n+1; rounded to " + videoFrames + " as diffusers' WanPipeline does");
        }
        int s = vae.config().spatialScale();
        int latentFrames = (videoFrames - 1) / temporal + 1;
        TokenGrid grid = card.geometry().grid(videoFrames, height, width);
        return new WanLatents(config.inChannels(), latentFrames, height / s, width / s, grid, warnings, this::decode);
    }

    /** Stages for the whole clip of {@code grid} (the latent's size follows from the grid and the patch). */
    @Override
    public DenoiserStages stages(TokenGrid grid, int batch) {
        int[] p = config.patch();
        WanLatents layout = new WanLatents(config.inChannels(), grid.frames() * p[0], grid.height() * p[1], grid.width() * p[2],
                grid, List.of(), this::decode);
        StepListener l = listener;
        long start = System.nanoTime();
        return new WanStages(config, text, done -> l.onPhase("text encoding", done, text.layers(), System.nanoTime() - start),
                runner, layout, batch);
    }

    @Override
    public Sampler sampler(int steps, double shift) {
        return sampler(steps, shift, "");
    }

    /** {@code unipc} or {@code euler}; "" picks the folder's own scheduler class. */
    @Override
    public Sampler sampler(int steps, double shift, String name) {
        String chosen = name == null || name.isEmpty()
                ? (scheduler.className().equals(SchedulerConfig.EULER) ? "euler" : "unipc") : name;
        return new WanSampler(WanScheduler.create(chosen, scheduler), steps);
    }

    @Override
    public void phaseListener(StepListener newListener) {
        listener = newListener == null ? StepListener.NONE : newListener;
    }

    /** Free text: UMT5 reads any prompt; what the tokenizer cuts at 512 tokens is not reported here. */
    @Override
    public List<String> promptWarnings(String prompt) {
        return List.of();
    }

    private Video decode(WanLatents layout, float[] latent) {
        StepListener l = listener;
        // At 480x832 the VAE decode needs several GB (its carried caches alone 3.8 GB) and the transformer's weights
        // are 5.7 GB at 1.3B: not both at once. The next generation builds the stage sessions again (~30 s at 1.3B).
        runner.release();
        long start = System.nanoTime();
        try (WanVaeWeights weights = vae.weights();
             WanVaeDecoder decoder = new WanVaeDecoder(vae.config(), weights, layout.height(), layout.width(), threads)) {
            float[] rgb = decoder.decode(layout.toChannelFirst(latent), layout.frames(),
                    done -> l.onPhase("decoding", done, layout.frames(), System.nanoTime() - start));
            int s = vae.config().spatialScale();
            return new Video(decoder.outputFrames(layout.frames()), layout.height() * s, layout.width() * s, rgb);
        }
    }

    /**
     * The larger of two phases that never overlap. With the transformer loaded: its fp32 weights plus the larger of text
     * encoding (one UMT5 block's fp32 weights, as the encoder runs block by block from the memory-mapped file, and the
     * text states) and denoising (with {@code n} tokens, {@code B} branches, {@code d} hidden, {@code L} text tokens:
     * stage buffers for patches, two residual streams, q/k/v/output and the output; activations of the FFN, the
     * projections and the cross-attention scores {@code B·heads·n·L}). Decoding, with the transformer released: the
     * VAE's weights as fp32 (at most twice the file), the caches its causal convolutions carry, one chunk's activations
     * (4 frames at full size of 4 maps of the widest width) and the video twice. The latents are counted throughout.
     */
    @Override
    public void estimateMemory(MemoryEstimate.Builder e, LatentLayout layout, int batch, int segmentFrames) {
        long vaeFile;
        try {
            vaeFile = Files.size(vae.dir().resolve(WanVaeWeights.FILE));
        } catch (java.io.IOException ex) {
            vaeFile = 0;   // the file was checked at open; an unreadable size only makes the estimate smaller
        }
        estimate(e, config, vae.config(), vaeFile, text.maxTokens(), layout, batch);
    }

    /** {@link #estimateMemory} from the configs alone ({@code vaeFileBytes}: the VAE weights file's size). */
    static void estimate(MemoryEstimate.Builder e, WanConfig config, WanVaeConfig vae, long vaeFileBytes, int textTokens,
                         LatentLayout layout, int batch) {
        long n = layout.grid().volume();
        long d = config.dim();
        long l = textTokens;
        long weights = config.layers() * (8 * d * d + 2 * d * config.ffnDim()) + (long) config.patchIn() * d
                + (long) config.textDim() * d + 8 * d * d + (long) config.freqDim() * d + d * config.patchOut();
        long textPhase = 12L * config.textDim() * config.textDim() + batch * l * (config.textDim() + d);
        long textKeysValues = (2L * config.layers() + 1) * batch * l * d;   // text, keys, values: kept for all steps
        long buffers = batch * n * (config.patchIn() + config.patchOut() + 6 * d) + 2 * n * config.headDim();
        long activations = batch * n * (config.ffnDim() + 3 * d) + batch * config.heads() * n * l;
        int videoFrames = layout.videoFrames(0, layout.grid().frames());
        int[] p = config.patch();
        long framePixels = (long) layout.grid().height() * p[1] * vae.spatialScale() * layout.grid().width() * p[2]
                * vae.spatialScale();
        long vaeWeights = 2 * vaeFileBytes / Float.BYTES;
        long vaeCaches = vae.carriedCacheFloats(framePixels / ((long) vae.spatialScale() * vae.spatialScale()));
        long vaeActivations = 4L * 4 * vae.decoderBaseDim() * framePixels;
        long video = 2L * videoFrames * framePixels * 3;
        long decodePhase = vaeWeights + vaeCaches + vaeActivations + video;
        long denoisePhase = buffers + activations;
        e.floats("latents", 4 + batch, layout.values());
        if (decodePhase > weights + textKeysValues + Math.max(textPhase, denoisePhase)) {
            e.floats("vae weights", vaeWeights);
            e.floats("vae caches", vaeCaches);
            e.floats("vae activations", vaeActivations);
            e.floats("video", video);
            return;
        }
        e.floats("model weights", weights);
        e.floats("text keys and values", textKeysValues);
        if (textPhase >= denoisePhase) {
            e.floats("text encoding", textPhase);
        } else {
            e.floats("ORT buffers", buffers);
            e.floats("ORT activations", activations);
        }
    }

    /** Whether the transformer's stage sessions are built (they are released while a clip is decoded). */
    boolean transformerLoaded() {
        return runner.loaded();
    }

    @Override
    public StageProvider stageProvider() {
        return StageProvider.cpu();
    }

    @Override
    public void close() {
        try {
            runner.close();
        } finally {
            text.close();
        }
    }
}
