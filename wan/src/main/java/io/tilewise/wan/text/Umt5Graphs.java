package io.tilewise.wan.text;

import io.tilewise.pipeline.onnx.OnnxGraphBuilder;

import java.util.List;

/**
 * The ONNX graphs of a UMT5 / T5 encoder, written from transformers' {@code modeling_umt5.py}: one graph for an encoder
 * block and one for the final layer norm. Weights are graph <em>inputs</em>, not initializers, so one session serves
 * every layer and the caller streams each layer's weights in (see {@link Umt5Encoder}).
 *
 * <pre>
 *  block   h [T, d] (T = B·L tokens, row-major batch then position), mask [B, L] (1 real, 0 padding),
 *          buckets [L, L] int64, rel_bias [num_buckets, heads], shape_bhld [4] = (B, L, heads, d_kv),
 *          shape_td [2] = (T, heads·d_kv), ln1, q, k, v, o, ln2, wi_0, wi_1, wo    → h_out [T, d]
 *  final   h [T, d], ln                                                             → out [T, d]
 * </pre>
 *
 * Arithmetic as {@code UMT5Block}: {@code h += o(attn(rms(h)·ln1))} with scores {@code q·kᵀ} <em>not</em> scaled by
 * 1/sqrt(d_kv) (the Mesh TensorFlow initialisation folds it into q), plus the position bias {@code rel_bias[bucket(k −
 * q)]} per head, plus {@code (1 − mask)·float32.min} for padded keys (transformers' extended attention mask); softmax
 * in fp32; then {@code h += wo(gelu_tanh(wi_0(rms(h)·ln2)) ⊙ wi_1(rms(h)·ln2))}. The RMS norm is T5's: no mean, no
 * bias, {@code x / sqrt(mean(x²) + eps)}, all in fp32. Linear layers use Gemm with {@code transB = 1} on PyTorch's
 * {@code [out, in]} weights, so nothing is transposed when a layer is loaded.
 */
public final class Umt5Graphs {

    public static final String H = "h";
    public static final String MASK = "mask";
    public static final String BUCKETS = "buckets";
    public static final String REL_BIAS = "rel_bias";
    public static final String SHAPE_BHLD = "shape_bhld";
    public static final String SHAPE_TD = "shape_td";
    public static final String H_OUT = "h_out";
    public static final String LN = "ln";
    public static final String OUT = "out";

    /** The block's weight inputs, in the order of {@link #BLOCK_TENSORS}. */
    public static final List<String> BLOCK_WEIGHTS = List.of("ln1", "q", "k", "v", "o", "ln2", "wi_0", "wi_1", "wo");

    /** Checkpoint tensor names (after {@code encoder.block.N.}) of {@link #BLOCK_WEIGHTS}. */
    public static final List<String> BLOCK_TENSORS = List.of("layer.0.layer_norm.weight",
            "layer.0.SelfAttention.q.weight", "layer.0.SelfAttention.k.weight", "layer.0.SelfAttention.v.weight",
            "layer.0.SelfAttention.o.weight", "layer.1.layer_norm.weight", "layer.1.DenseReluDense.wi_0.weight",
            "layer.1.DenseReluDense.wi_1.weight", "layer.1.DenseReluDense.wo.weight");

    /** transformers' {@code torch.finfo(float32).min}, the additive score of a padded key. */
    static final float MASKED_SCORE = -Float.MAX_VALUE;

    private static final String T = "tokens";
    private static final String B = "batch";
    private static final String L = "length";

    private Umt5Graphs() {
    }

    /** {@code [out, in]} shapes of {@link #BLOCK_WEIGHTS} ({@code [d]} for the norms). */
    public static long[][] blockWeightShapes(Umt5Config c) {
        long d = c.dModel();
        long inner = c.inner();
        long ff = c.dFf();
        return new long[][] {{d}, {inner, d}, {inner, d}, {inner, d}, {d, inner}, {d}, {ff, d}, {ff, d}, {d, ff}};
    }

    public static byte[] block(Umt5Config c) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("umt5_block");
        int d = c.dModel();
        int inner = c.inner();
        String h = g.floatInput(H, T, d);
        String mask = g.floatInput(MASK, B, L);
        String buckets = g.longInput(BUCKETS, L, L);
        String table = g.floatInput(REL_BIAS, c.buckets(), c.heads());
        String shapeBhld = g.longInput(SHAPE_BHLD, 4L);
        String shapeTd = g.longInput(SHAPE_TD, 2L);
        long[][] shapes = blockWeightShapes(c);
        String[] w = new String[BLOCK_WEIGHTS.size()];
        for (int i = 0; i < w.length; i++) w[i] = g.floatInput(BLOCK_WEIGHTS.get(i), (Object[]) boxed(shapes[i]));

        // position bias [1, heads, L, L] + key mask [B, 1, 1, L] → [B, heads, L, L]
        String position = g.unsqueeze(g.transpose(g.gather(table, buckets, 0), 2, 0, 1), 0);
        String keyMask = g.unsqueeze(g.mul(g.sub(g.scalar(1f), mask), g.scalar(MASKED_SCORE)), 1, 2);
        String bias = g.add(position, keyMask);

        String x = rms(g, h, w[0], c.eps());
        String q = g.transpose(g.op("Reshape", List.of(linear(g, x, w[1]), shapeBhld)), 0, 2, 1, 3);
        String kt = g.transpose(g.op("Reshape", List.of(linear(g, x, w[2]), shapeBhld)), 0, 2, 3, 1);
        String v = g.transpose(g.op("Reshape", List.of(linear(g, x, w[3]), shapeBhld)), 0, 2, 1, 3);
        String probs = g.softmax(g.add(g.matMul(q, kt), bias), -1);
        String ctx = g.op("Reshape", List.of(g.transpose(g.matMul(probs, v), 0, 2, 1, 3), shapeTd));
        String h1 = g.add(h, linear(g, ctx, w[4]));

        String y = rms(g, h1, w[5], c.eps());
        String gate = g.msOp("FastGelu", List.of(linear(g, y, w[6])));
        String ff = linear(g, g.mul(gate, linear(g, y, w[7])), w[8]);
        g.floatOutput(H_OUT, g.add(h1, ff), T, d);
        return g.build();
    }

    public static byte[] finalNorm(Umt5Config c) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("umt5_final_norm");
        String h = g.floatInput(H, T, c.dModel());
        String ln = g.floatInput(LN, c.dModel());
        g.floatOutput(OUT, rms(g, h, ln, c.eps()), T, c.dModel());
        return g.build();
    }

    /** {@code x / sqrt(mean(x², last) + eps) · w}; transformers multiplies by rsqrt, equal to within rounding. */
    private static String rms(OnnxGraphBuilder g, String x, String weight, float eps) {
        String meanSquare = g.reduceMean(g.op("Pow", List.of(x, g.scalar(2f))), -1);
        return g.mul(g.div(x, g.sqrt(g.add(meanSquare, g.scalar(eps)))), weight);
    }

    /** {@code x·Wᵀ} for a PyTorch Linear without bias, {@code W [out, in]}. */
    private static String linear(OnnxGraphBuilder g, String x, String weight) {
        return g.op("Gemm", List.of(x, weight), OnnxGraphBuilder.integer("transB", 1));
    }

    private static Long[] boxed(long[] dims) {
        Long[] out = new Long[dims.length];
        for (int i = 0; i < dims.length; i++) out[i] = dims[i];
        return out;
    }
}
