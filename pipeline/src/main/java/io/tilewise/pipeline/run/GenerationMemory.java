package io.tilewise.pipeline.run;

import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.onnx.PositionFeatures;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a generation holds in memory, from the model's sizes and the request alone (nothing is allocated), so that
 * {@link Pipeline#generate} can refuse a request that cannot fit before it starts. With {@code n} video tokens,
 * {@code B} CFG branches (2 with guidance), hidden size {@code d}, {@code P} values per patch:
 * <ul>
 *   <li>model weights: every weight on the heap and once more inside ONNX Runtime (it copies initializers);</li>
 *   <li>ORT buffers ({@code WorkspaceBuffers}): patches and velocity {@code 2·B·n·P}, two residual streams
 *   {@code 2·B·n·d}, q/k/v/attention output {@code 4·B·n·d}, RoPE tables, text states and modulations;</li>
 *   <li>ORT activations: the largest stage intermediates, the MLP's {@code 2·B·n·mlp} and cross-attention scores
 *   {@code B·heads·n·textTokens}, plus {@code 4·B·n·d} of q/k/v projections;</li>
 *   <li>latents on the heap: noise, latent, guided velocity and the per-step copy of the head's output;</li>
 *   <li>the decoded video (RGB floats, twice while converting);</li>
 *   <li>attention workspace per method of the policy: permuted copies of q/k/v/output of one branch and a
 *   block-sparse plan of at most one 8-byte entry per (head, 32-query tile, 128-key tile); dense has one plan for
 *   all heads.</li>
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

    /**
     * The estimate of {@code request} with {@code policy} on a model of {@code config}.
     *
     * @throws IllegalArgumentException when a single buffer would pass the JVM's array or direct-buffer size limit
     */
    public static MemoryEstimate estimate(ModelConfig config, GenerationRequest request, AttentionPolicy policy) {
        int[] patch = config.patch();
        long n = (long) (request.frames() / patch[0]) * (request.height() / patch[1]) * (request.width() / patch[2]);
        long batch = request.usesGuidance() ? 2 : 1;
        long d = config.hidden();
        long p = config.patchSize();
        long heads = config.heads();
        long len = config.text().maxTokens();
        long pixels = MemoryEstimate.product(request.frames(), request.height(), request.width());
        requireFits("the latent (" + n + " tokens x " + p + " values)", MemoryEstimate.product(batch, n, p), MAX_ARRAY);
        requireFits("the video (" + request.frames() + " frames of " + request.width() + "x" + request.height() + " px, 3 colors)",
                MemoryEstimate.product(pixels, 3), MAX_ARRAY);
        requireFits("the q/k/v buffer (" + batch + " x " + n + " tokens x " + d + ")",
                MemoryEstimate.product(batch, n, d, Float.BYTES), MAX_DIRECT_BYTES);

        long weights = 0;
        for (long[] shape : ModelWeights.expectedShapes(config).values()) weights += MemoryEstimate.product(shape);
        MemoryEstimate.Builder e = MemoryEstimate.builder("generation of " + request.frames() + " frames of "
                + request.width() + "x" + request.height() + " px (" + n + " tokens" + (batch == 2 ? ", 2 CFG branches" : "") + ")");
        e.floats("model weights", 2, weights);
        e.floats("ORT buffers", batch, n, 2 * p + 6 * d);
        e.floats("ORT buffers", n, config.headDim());
        e.floats("ORT buffers", batch, len, config.text().hidden() + 1);
        e.floats("ORT buffers", batch, 8, d);
        if (config.text().pooled()) e.floats("ORT buffers", batch, config.text().hidden());
        if (config.positionFeatures() > 0) e.floats("ORT buffers", n, PositionFeatures.width(config.positionFeatures()));
        e.floats("ORT activations", batch, n, 2L * config.mlpHidden() + 4 * d);
        e.floats("ORT activations", batch, heads, n, len);
        e.floats("latents", 4 + batch, n, p);
        e.floats("video", 2, pixels, 3);
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
