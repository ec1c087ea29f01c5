package io.tilewise.pipeline.family.tiny;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.family.TokenGeometry;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.PositionFeatures;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.run.Patchifier;
import io.tilewise.pipeline.run.Tokenizer;

import java.util.List;

/**
 * A loaded {@code tilewise-tiny-dit-v1} model (bidirectional or block-causal): ORT stage sessions built from its
 * weights, its word tokenizer, pixel-space latents and the flow-matching Euler sampler.
 */
public final class TinyDitModel implements DenoiserModel {

    private final ModelConfig config;
    private final ModelSessions sessions;
    private final Tokenizer tokenizer;
    private final ModelCard card;

    public TinyDitModel(ModelWeights weights, StageOptions options) {
        this.config = weights.config();
        this.tokenizer = Tokenizer.of(config);
        this.sessions = new ModelSessions(weights, options.threads(), options.device(), options.precision());
        this.card = card(config);
    }

    /** The card of a tiny DiT of {@code config}. */
    public static ModelCard card(ModelConfig config) {
        ModelConfig.Defaults d = config.defaults();
        int[] p = config.patch();
        double d2 = (double) config.hidden() * config.hidden();
        // q/k/v + output projections (4·d²), cross-attention q and output (2·d²), MLP (2·mlp·d²): 2 flops per multiply-add
        double blockFlops = 2 * d2 * (6 + 2 * config.mlpRatio());
        return new ModelCard(TinyDitFamily.ID, config.modelId(), config.heads(), config.headDim(), config.blocks(),
                config.causalChunkFrames(), new GenerationDefaults(d.frames(), d.height(), d.width(), d.steps(), d.guidance(), d.shift()),
                config.trainedFor(), config.text().vocab().subList(2, config.text().vocab().size()),
                new TokenGeometry(p[0], false, p[1], p[2]), blockFlops);
    }

    public ModelConfig config() {
        return config;
    }

    /** The ORT sessions (tests check their thread settings). */
    public ModelSessions sessions() {
        return sessions;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public LatentLayout layout(int frames, int height, int width) {
        int[] patch = config.patch();
        if (frames % patch[0] != 0 || height % patch[1] != 0 || width % patch[2] != 0) {
            throw new IllegalArgumentException("video " + frames + " frames of " + width + "x" + height
                    + " px does not fit the model's patch " + patch[0] + "x" + patch[1] + "x" + patch[2]
                    + " (frames a multiple of " + patch[0] + ", height of " + patch[1] + ", width of " + patch[2] + ")");
        }
        return new TinyLatents(new Patchifier(config.channels(), patch[0], patch[1], patch[2], frames, height, width));
    }

    @Override
    public DenoiserStages stages(TokenGrid grid, int batch) {
        return new TinyStages(sessions, config, grid, batch);
    }

    @Override
    public Sampler sampler(int steps, double shift) {
        return new EulerSampler(steps, shift);
    }

    @Override
    public List<String> promptWarnings(String prompt) {
        String warning = tokenizer.encode(prompt).warning(tokenizer.vocab());
        return warning == null ? List.of() : List.of(warning);
    }

    @Override
    public void estimateMemory(MemoryEstimate.Builder e, LatentLayout layout, int batch, int segmentFrames) {
        estimate(e, config, layout.grid(), batch, segmentFrames, pixels(layout));
    }

    private static long pixels(LatentLayout layout) {
        Patchifier p = ((TinyLatents) layout).patchifier();
        return MemoryEstimate.product(p.frames(), p.height(), p.width());
    }

    /**
     * The tiny model's part of a generation's memory. With {@code n} tokens of a segment, {@code B} branches, hidden
     * {@code d}, {@code P} values per patch: weights twice (heap + ORT's initializer copy); ORT buffers (patches and
     * velocity {@code 2·B·n·P}, two residual streams {@code 2·B·n·d}, q/k/v/output {@code 4·B·n·d}, RoPE tables, text
     * states and modulations); ORT activations (the MLP's {@code 2·B·n·mlp}, cross-attention scores, q/k/v
     * projections); latents of the whole clip and the decoded video (twice while converting).
     */
    public static void estimate(MemoryEstimate.Builder e, ModelConfig config, TokenGrid grid, int batch, int segmentFrames,
                                long pixels) {
        long whole = grid.volume();
        long n = (long) Math.min(segmentFrames, grid.frames()) * grid.tokensPerFrame();
        long d = config.hidden();
        long p = config.patchSize();
        long heads = config.heads();
        long len = config.text().maxTokens();
        long weights = 0;
        for (long[] shape : ModelWeights.expectedShapes(config).values()) weights += MemoryEstimate.product(shape);
        e.floats("model weights", 2, weights);
        e.floats("ORT buffers", batch, n, 2 * p + 6 * d);
        e.floats("ORT buffers", n, config.headDim());
        e.floats("ORT buffers", batch, len, config.text().hidden() + 1);
        e.floats("ORT buffers", batch, 8, d);
        if (config.text().pooled()) e.floats("ORT buffers", batch, config.text().hidden());
        if (config.positionFeatures() > 0) e.floats("ORT buffers", n, PositionFeatures.width(config.positionFeatures()));
        e.floats("ORT activations", batch, n, 2L * config.mlpHidden() + 4 * d);
        e.floats("ORT activations", batch, heads, n, len);
        e.floats("latents", 4 + batch, whole, p);
        e.floats("video", 2, pixels, 3);
    }

    @Override
    public StageProvider stageProvider() {
        return sessions.provider();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
