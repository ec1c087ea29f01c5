package io.tilewise.wan.reference;

import java.util.function.Function;

/**
 * A second implementation of transformers' {@code UMT5EncoderModel} forward followed by WanPipeline's
 * {@code _get_t5_prompt_embeds} trimming, in plain Java and fp64, written from {@code modeling_umt5.py} (and
 * {@code modeling_t5.py} for the T5 layout) for the tests. It runs every one of the {@code N} padded positions, as
 * PyTorch does; nothing is shared with the ONNX Runtime encoder.
 *
 * <p>Per block: {@code h = h + o(attn(norm(h)))}, {@code h = h + wo(gelu_new(wi_0(norm(h))) · wi_1(norm(h)))}; then
 * the final norm. Attention scores are {@code q·kᵀ} (no 1/sqrt(d_kv)) + relative position bias (table of this block for
 * UMT5, of block 0 for T5) + {@code (1 − mask)·float32.min}; softmax over keys.
 */
public final class Umt5Reference {

    /** {@code torch.finfo(torch.float32).min}. */
    private static final double FLOAT32_MIN = -3.4028234663852886e38;

    public record Config(boolean umt5, int dModel, int dKv, int dFf, int layers, int heads, int buckets, int maxDistance,
                         double eps) {
    }

    private final Config c;
    private final Function<String, float[]> weights;

    /** {@code weights} maps a checkpoint tensor name to its values (row-major, as stored). */
    public Umt5Reference(Config config, Function<String, float[]> weights) {
        this.c = config;
        this.weights = weights;
    }

    /**
     * @param ids  {@code [B][N]} token ids, padding included
     * @param mask {@code [B][N]} attention mask (1 real, 0 padding), real tokens first
     * @return {@code [B, N, d_model]}: last_hidden_state on the real positions, 0 after ({@code _get_t5_prompt_embeds})
     */
    public double[] promptEmbeds(long[][] ids, int[][] mask) {
        int batch = ids.length;
        int n = ids[0].length;
        int d = c.dModel();
        double[] out = new double[batch * n * d];
        String embedName = has("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
        float[] table = weights.apply(embedName);
        for (int b = 0; b < batch; b++) {
            double[][] h = new double[n][d];
            for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) h[i][j] = table[(int) ids[b][i] * d + j];
            for (int layer = 0; layer < c.layers(); layer++) h = block(h, mask[b], layer);
            float[] ln = weights.apply("encoder.final_layer_norm.weight");
            int real = 0;
            for (int i = 0; i < n; i++) real += mask[b][i] > 0 ? 1 : 0;
            for (int i = 0; i < real; i++) {
                double[] y = rmsNorm(h[i], ln);
                System.arraycopy(y, 0, out, (b * n + i) * d, d);
            }
        }
        return out;
    }

    private boolean has(String name) {
        try {
            return weights.apply(name) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private double[][] block(double[][] h, int[] mask, int layer) {
        String p = "encoder.block." + layer + ".";
        int n = h.length;
        int d = c.dModel();
        int inner = c.heads() * c.dKv();
        float[] ln1 = weights.apply(p + "layer.0.layer_norm.weight");
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) x[i] = rmsNorm(h[i], ln1);
        double[][] q = linear(x, weights.apply(p + "layer.0.SelfAttention.q.weight"), inner, d);
        double[][] k = linear(x, weights.apply(p + "layer.0.SelfAttention.k.weight"), inner, d);
        double[][] v = linear(x, weights.apply(p + "layer.0.SelfAttention.v.weight"), inner, d);
        int biasLayer = c.umt5() ? layer : 0;
        float[] table = weights.apply("encoder.block." + biasLayer + ".layer.0.SelfAttention.relative_attention_bias.weight");
        double[][] ctx = new double[n][inner];
        double[] scores = new double[n];
        for (int head = 0; head < c.heads(); head++) {
            int off = head * c.dKv();
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int t = 0; t < c.dKv(); t++) s += q[i][off + t] * k[j][off + t];
                    double positionBias = table[bucket(j - i) * c.heads() + head];
                    double maskBias = (1.0 - mask[j]) * FLOAT32_MIN;
                    s += positionBias + maskBias;
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < n; j++) {
                    double w = scores[j] / sum;
                    if (w == 0) continue;
                    for (int t = 0; t < c.dKv(); t++) ctx[i][off + t] += w * v[j][off + t];
                }
            }
        }
        double[][] attn = linear(ctx, weights.apply(p + "layer.0.SelfAttention.o.weight"), d, inner);
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) h[i][j] += attn[i][j];

        float[] ln2 = weights.apply(p + "layer.1.layer_norm.weight");
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) y[i] = rmsNorm(h[i], ln2);
        double[][] gate = linear(y, weights.apply(p + "layer.1.DenseReluDense.wi_0.weight"), c.dFf(), d);
        double[][] lin = linear(y, weights.apply(p + "layer.1.DenseReluDense.wi_1.weight"), c.dFf(), d);
        for (int i = 0; i < n; i++) for (int f = 0; f < c.dFf(); f++) gate[i][f] = geluNew(gate[i][f]) * lin[i][f];
        double[][] ff = linear(gate, weights.apply(p + "layer.1.DenseReluDense.wo.weight"), d, c.dFf());
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) h[i][j] += ff[i][j];
        return h;
    }

    /** transformers' {@code _relative_position_bucket}, bidirectional, for {@code memory − context}. */
    int bucket(int relative) {
        int numBuckets = c.buckets() / 2;
        int result = relative > 0 ? numBuckets : 0;
        int position = Math.abs(relative);
        int maxExact = numBuckets / 2;
        if (position < maxExact) return result + position;
        double logRatio = Math.log(position / (double) maxExact) / Math.log(c.maxDistance() / (double) maxExact);
        long ifLarge = maxExact + (long) (logRatio * (numBuckets - maxExact));
        return result + (int) Math.min(ifLarge, numBuckets - 1);
    }

    /** T5LayerNorm: {@code w · x · rsqrt(mean(x²) + eps)}. */
    private double[] rmsNorm(double[] x, float[] w) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double r = 1.0 / Math.sqrt(ms / x.length + c.eps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = w[i] * (x[i] * r);
        return out;
    }

    /** {@code gelu_new}: {@code 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))}. */
    private static double geluNew(double x) {
        return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** nn.Linear without bias: {@code x · Wᵀ}, W {@code [out, in]}. */
    private static double[][] linear(double[][] x, float[] w, int out, int in) {
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int t = 0; t < in; t++) s += x[i][t] * w[o * in + t];
                y[i][o] = s;
            }
        }
        return y;
    }
}
