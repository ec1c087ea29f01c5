package io.tilewise.pipeline.run;

import io.tilewise.pipeline.stepcache.StepCachePolicy;

import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.tiny.TinyDitModel;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a generation holds in memory, from the model's sizes and the request alone (nothing is allocated), so that
 * {@link Pipeline#generate} and {@link Pipeline#generateStreaming} can refuse a request that cannot fit before it
 * starts. With {@code n} video tokens, {@code B} CFG branches (2 with guidance) and {@code d = heads·headDim}:
 * <ul>
 *   <li>the model's own part ({@link DenoiserModel#estimateMemory}): weights, stage buffers and activations of the
 *   largest segment, latents, the decoded video;</li>
 *   <li>streaming: the key/value cache of the earlier chunks in the window;</li>
 *   <li>attention workspace per method of the policy: permuted copies of q/k/v/output of one branch and a
 *   block-sparse plan of at most one 8-byte entry per (head, 32-query tile, 128-key tile); dense has one plan for
 *   all heads;</li>
 *   <li>a step cache: per branch the hidden states it compares and the residuals it keeps ({@code 4 + history}
 *   arrays of {@code n·d}; history is 1, or {@code order + 1} for taylor) and one shared work array.</li>
 * </ul>
 * All values are float32. The estimate is an upper bound of what the pipeline allocates, not of the JVM's overhead.
 */
public final class GenerationMemory {

    /** Java arrays hold at most this many values. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** A direct buffer ({@code ByteBuffer.allocateDirect}) holds at most 2 GiB. */
    private static final long MAX_DIRECT_BYTES = Integer.MAX_VALUE;

    private GenerationMemory() {
    }

    /** The estimate of {@code request} with {@code policy} on a tiny-DiT model of {@code config}, full-clip generation. */
    public static MemoryEstimate estimate(ModelConfig config, GenerationRequest request, AttentionPolicy policy) {
        int[] patch = config.patch();
        int frames = request.frames() / patch[0];
        int height = request.height() / patch[1];
        int width = request.width() / patch[2];
        long pixels = MemoryEstimate.product(request.frames(), request.height(), request.width());
        return estimate(request, policy, MemoryEstimate.product(frames, height, width), config.patchSize(), config.hidden(),
                config.heads(), 0, e -> TinyDitModel.estimate(e, config, new TokenGrid(frames, height, width),
                        request.usesGuidance() ? 2 : 1, frames, pixels));
    }

    /**
     * The estimate of {@code request} with {@code policy} on {@code model}: the model's own part (weights, stage
     * buffers, latents, video) for segments of {@code segmentFrames} latent frames, plus a key/value cache of
     * {@code cacheFloats} floats (streaming) and the attention workspaces.
     *
     * @throws IllegalArgumentException when a single buffer would pass the JVM's array or direct-buffer size limit
     */
    public static MemoryEstimate estimate(DenoiserModel model, LatentLayout layout, GenerationRequest request,
                                          AttentionPolicy policy, int segmentFrames, long cacheFloats) {
        TokenGrid grid = layout.grid();
        ModelCard card = model.card();
        int batch = request.usesGuidance() ? 2 : 1;
        int valuesPerToken = layout.values() / grid.volume();
        return estimate(request, policy, grid.volume(), valuesPerToken, (long) card.heads() * card.headDim(), card.heads(), cacheFloats,
                e -> model.estimateMemory(e, layout, batch, segmentFrames));
    }

    private static MemoryEstimate estimate(GenerationRequest request, AttentionPolicy policy, long n, long p, long d,
                                           long heads, long cacheFloats, Consumer<MemoryEstimate.Builder> modelPart) {
        long batch = request.usesGuidance() ? 2 : 1;
        long pixels = MemoryEstimate.product(request.frames(), request.height(), request.width());
        requireFits("the latent (" + n + " tokens x " + p + " values)", MemoryEstimate.product(batch, n, p), MAX_ARRAY);
        requireFits("the video (" + request.frames() + " frames of " + request.width() + "x" + request.height() + " px, 3 colors)",
                MemoryEstimate.product(pixels, 3), MAX_ARRAY);
        requireFits("the q/k/v buffer (" + batch + " x " + n + " tokens x " + d + ")",
                MemoryEstimate.product(batch, n, d, Float.BYTES), MAX_DIRECT_BYTES);
        MemoryEstimate.Builder e = MemoryEstimate.builder("generation of " + request.frames() + " frames of "
                + request.width() + "x" + request.height() + " px (" + n + " tokens" + (batch == 2 ? ", 2 CFG branches" : "") + ")");
        modelPart.accept(e);
        if (cacheFloats > 0) e.floats("key/value cache", cacheFloats);
        StepCachePolicy stepCache = StepCachePolicy.parse(request.stepCache());
        if (!stepCache.isNone()) {
            int history = stepCache.kind() == StepCachePolicy.Kind.TAYLOR ? stepCache.order() + 1 : 1;
            e.floats("step cache", batch * (4 + history) + 1, n, d);
        }
        Set<String> methods = new LinkedHashSet<>();
        for (AttentionPolicy.Rule rule : policy.rules()) {
            if (!methods.add(rule.kernel().spec())) continue;
            // dense shares one plan across heads; other methods may plan each head
            long planHeads = rule.kernel().id().equals("dense") ? 1 : heads;
            e.floats("attention workspace", 4, n, d);
            e.add("attention workspace", MemoryEstimate.product(planHeads, (n + 31) / 32, (n + 127) / 128, 8));
        }
        return e.build();
    }

    private static void requireFits(String what, long size, long max) {
        if (size > max) {
            throw new IllegalArgumentException(what + " has " + size + (max == MAX_DIRECT_BYTES ? " bytes" : " values")
                    + ", more than one " + (max == MAX_DIRECT_BYTES ? "direct buffer (2 GiB)" : "Java array (2^31 values)")
                    + " holds; make the video smaller");
        }
    }
}
