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
 * A loaded Wan2.1 pipeline folder: the transformer's ORT stages, the UMT5 prompt encoder (kept open; it runs once per
 * generation), the VAE (its decoder is built per video size when a clip is decoded) and the scheduler config. Every
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
            this.runner = WanFamily.part("transformer", () -> WanStageRunner.open(dir, threads));
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
     * With {@code n} video tokens of the segment, {@code B} branches, {@code d} hidden, {@code L} text tokens: the
     * transformer's fp32 weights in ORT; one UMT5 block's fp32 weights (the encoder runs block by block from the
     * memory-mapped file) and its text states; the VAE weights as fp32 (at most twice the file); stage buffers
     * (patches, two residual streams, q/k/v/output, RoPE, output), activations (the FFN, cross-attention scores,
     * projections); the latents, the VAE's activations of one chunk (4 frames at full size, 4 of its widest maps) and
     * the video twice.
     */
    @Override
    public void estimateMemory(MemoryEstimate.Builder e, LatentLayout layout, int batch, int segmentFrames) {
        long n = layout.grid().volume();
        long d = config.dim();
        long l = text.maxTokens();
        long blockWeights = 8 * d * d + 2 * d * config.ffnDim() + config.textDim() * 0L;
        long weights = config.layers() * blockWeights + (long) config.patchIn() * d + (long) config.textDim() * d + d * d
                + (long) config.freqDim() * d + d * d + 6 * d * d + d * config.patchOut();
        e.floats("model weights", weights);
        e.floats("text encoder", 12L * config.textDim() * config.textDim());
        e.floats("text encoder", batch, l, config.textDim() + d);
        try {
            e.add("vae weights", 2 * Files.size(vae.dir().resolve(WanVaeWeights.FILE)));
        } catch (java.io.IOException ex) {
            // the file was checked at open; an unreadable size only makes the estimate smaller
        }
        e.floats("ORT buffers", batch, n, config.patchIn() + config.patchOut() + 6 * d);
        e.floats("ORT buffers", 2, n, config.headDim());
        e.floats("ORT activations", batch, n, config.ffnDim() + 3 * d);
        e.floats("ORT activations", batch, config.heads(), n, l);
        long pixels = MemoryEstimate.product(layout.videoFrames(0, layout.grid().frames()), (long) layout.grid().height() * card.geometry().heightStride(),
                (long) layout.grid().width() * card.geometry().widthStride());
        e.floats("latents", 4 + batch, layout.values());
        e.floats("vae activations", 4, 4L * vae.config().decoderBaseDim(),
                pixels / Math.max(1, layout.videoFrames(0, layout.grid().frames())));
        e.floats("video", 2, pixels, 3);
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
