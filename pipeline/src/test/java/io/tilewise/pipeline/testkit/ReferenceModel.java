package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;

/**
 * A plain-Java forward of {@code tilewise-tiny-dit-v1}, written straight from docs/tiny-dit-architecture.md with
 * loops over double arrays: the oracle for the ONNX stage graphs. Layouts are row-major: {@code [B, L, dt]},
 * {@code [B, N, d]}, {@code [B, heads, N, headDim]}.
 */
public final class ReferenceModel {

    private static final double EPS = 1e-6;
    private final ModelConfig c;
    private final ModelWeights w;

    public ReferenceModel(ModelWeights weights) {
        this.w = weights;
        this.c = weights.config();
    }

    /** ids {@code [B, L]}, mask {@code [B, L]} → text_states {@code [B, L, dt]}. */
    public double[] textEncoder(long[] ids, double[] mask, int batch) {
        int len = c.text().maxTokens();
        int dt = c.text().hidden();
        int heads = c.text().heads();
        float[] embed = w.get("text.embed.weight");
        float[] pos = w.get("text.pos.weight");
        double[] h = new double[batch * len * dt];
        for (int b = 0; b < batch; b++) {
            for (int l = 0; l < len; l++) {
                int id = (int) ids[b * len + l];
                for (int j = 0; j < dt; j++) h[(b * len + l) * dt + j] = embed[id * dt + j] + pos[l * dt + j];
            }
        }
        for (int i = 0; i < c.text().layers(); i++) {
            String p = "text.layers." + i + ".";
            double[] a = layerNorm(h, dt, w.get(p + "norm1.weight"), w.get(p + "norm1.bias"));
            double[] qkv = linear(a, p + "attn.qkv", 3 * dt, dt);
            double[][] parts = splitLast(qkv, 3, dt);
            double[] o = mha(parts[0], parts[1], parts[2], batch, len, len, heads, dt / heads, mask);
            add(h, linear(o, p + "attn.out", dt, dt));
            double[] m = layerNorm(h, dt, w.get(p + "norm2.weight"), w.get(p + "norm2.bias"));
            add(h, linear(gelu(linear(m, p + "mlp.fc1", 4 * dt, dt)), p + "mlp.fc2", dt, 4 * dt));
        }
        return layerNorm(h, dt, w.get("text.norm.weight"), w.get("text.norm.bias"));
    }

    /** ids, mask {@code [B, L]} → mean of the real tokens' word embeddings {@code [B, dt]} (the pooled text). */
    public double[] pooledWords(long[] ids, double[] mask, int batch) {
        int len = c.text().maxTokens(), dt = c.text().hidden();
        float[] embed = w.get("text.embed.weight");
        double[] out = new double[batch * dt];
        for (int b = 0; b < batch; b++) {
            double count = 0;
            for (int l = 0; l < len; l++) count += mask[b * len + l];
            for (int l = 0; l < len; l++) {
                int id = (int) ids[b * len + l];
                for (int j = 0; j < dt; j++) out[b * dt + j] += mask[b * len + l] * embed[id * dt + j] / count;
            }
        }
        return out;
    }

    /** Result of the embed stage. */
    public record Embedded(double[] x, double[] temb, double[] e) {
    }

    /**
     * The embed stage; {@code pooled [B, dt]} ({@link #pooledWords}) is read only with pooled text, the grid only with
     * position features.
     */
    public Embedded embed(double[] patches, double[] t, double[] pooled, TokenGrid grid, int batch) {
        return embed(patches, t, pooled, grid, 0, grid == null ? 1 : grid.frames(), batch);
    }

    /** As above for a grid whose frame 0 is latent frame {@code firstFrame} of a clip of {@code clipFrames}. */
    public Embedded embed(double[] patches, double[] t, double[] pooled, TokenGrid grid, int firstFrame, int clipFrames,
                          int batch) {
        int d = c.hidden();
        int half = c.freqDim() / 2;
        double[] x = linear(patches, "patch_embed", d, c.patchSize());
        int k = c.positionFeatures();
        if (k > 0) {
            // Fractional position of each token, straight from the contract's formula (not PositionFeatures).
            float[] pw = w.get("pos_embed.weight");
            int n = grid.volume();
            for (int f = 0; f < grid.frames(); f++) {
                for (int yy = 0; yy < grid.height(); yy++) {
                    for (int xx = 0; xx < grid.width(); xx++) {
                        int token = grid.index(f, yy, xx);
                        double[] feat = new double[6 * k];
                        double u = (xx + 0.5) / grid.width(), v = (yy + 0.5) / grid.height();
                        double s = (firstFrame + f + 0.5) / clipFrames;
                        for (int j = 0; j < k; j++) {
                            feat[j] = Math.sin(Math.PI * (j + 1) * u);
                            feat[k + j] = Math.cos(Math.PI * (j + 1) * u);
                            feat[2 * k + j] = Math.sin(Math.PI * (j + 1) * v);
                            feat[3 * k + j] = Math.cos(Math.PI * (j + 1) * v);
                            feat[4 * k + j] = Math.sin(Math.PI * (j + 1) * s);
                            feat[5 * k + j] = Math.cos(Math.PI * (j + 1) * s);
                        }
                        for (int b = 0; b < batch; b++) {
                            for (int o = 0; o < d; o++) {
                                double sum = 0;
                                for (int i = 0; i < 6 * k; i++) sum += pw[o * 6 * k + i] * feat[i];
                                x[(b * n + token) * d + o] += sum;
                            }
                        }
                    }
                }
            }
        }
        double[] emb = new double[batch * c.freqDim()];
        for (int b = 0; b < batch; b++) {
            float s = 1000f * (float) t[b]; // fp32 like the graph: cos(s·f) is sensitive to rounding of s·f
            for (int j = 0; j < half; j++) {
                float f = (float) Math.exp(-Math.log(10000.0) * j / half);
                float arg = s * f;
                emb[b * c.freqDim() + j] = Math.cos(arg);
                emb[b * c.freqDim() + half + j] = Math.sin(arg);
            }
        }
        double[] temb = linear(silu(linear(emb, "time_embed.fc1", d, c.freqDim())), "time_embed.fc2", d, d);
        if (c.text().pooled()) {
            double[] projected = linear(pooled, "text_pool", d, c.text().hidden());
            for (int i = 0; i < temb.length; i++) temb[i] += projected[i];
        }
        double[] e = linear(silu(temb), "time_proj", 6 * d, d);
        return new Embedded(x, temb, e);
    }

    /** Output of a pre stage, each {@code [B, heads, N, headDim]}. */
    public record Qkv(double[] q, double[] k, double[] v) {
    }

    public Qkv pre(int block, double[] x, double[] e, TokenGrid grid, int batch) {
        return pre(block, x, e, grid, batch, 0);
    }

    /** The pre stage of a grid whose first frame is video frame {@code firstFrame} (RoPE positions shifted). */
    public Qkv pre(int block, double[] x, double[] e, TokenGrid grid, int batch, int firstFrame) {
        int d = c.hidden();
        int heads = c.heads();
        int hd = c.headDim();
        int n = grid.volume();
        String p = "blocks." + block + ".";
        double[][] m = modulation(e, p + "modulation", batch);
        double[] h = modulate(layerNorm(x, d, null, null), m[0], m[1], batch, n);
        double[][] qkv = splitLast(linear(h, p + "attn.qkv", 3 * d, d), 3, d);
        double[] q = rms(qkv[0], hd, w.get(p + "attn.norm_q.weight"));
        double[] k = rms(qkv[1], hd, w.get(p + "attn.norm_k.weight"));
        rope(q, grid, batch, firstFrame);
        rope(k, grid, batch, firstFrame);
        return new Qkv(headsFirst(q, batch, n, heads, hd), headsFirst(k, batch, n, heads, hd), headsFirst(qkv[2], batch, n, heads, hd));
    }

    /** Dense self-attention {@code [B, heads, N, headDim]}. */
    public double[] selfAttention(Qkv qkv, int batch, int n) {
        int heads = c.heads();
        int hd = c.headDim();
        double[] o = new double[qkv.q().length];
        double scale = 1 / Math.sqrt(hd);
        double[] s = new double[n];
        for (int bh = 0; bh < batch * heads; bh++) {
            int base = bh * n * hd;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int t = 0; t < hd; t++) dot += qkv.q()[base + i * hd + t] * qkv.k()[base + j * hd + t];
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < n; j++) {
                    for (int t = 0; t < hd; t++) o[base + i * hd + t] += s[j] / sum * qkv.v()[base + j * hd + t];
                }
            }
        }
        return o;
    }

    public double[] post(int block, double[] x, double[] attn, double[] e, double[] text, double[] mask, int batch, int n) {
        int d = c.hidden();
        int dt = c.text().hidden();
        int heads = c.heads();
        int hd = c.headDim();
        int len = c.text().maxTokens();
        String p = "blocks." + block + ".";
        double[][] m = modulation(e, p + "modulation", batch);
        x = x.clone();
        double[] o = tokensFirst(attn, batch, n, heads, hd);
        double[] out = linear(o, p + "attn.out", d, d);
        gatedAdd(x, m[2], out, batch, n);
        double[] cq = linear(layerNorm(x, d, w.get(p + "cross.norm.weight"), w.get(p + "cross.norm.bias")), p + "cross.q", d, d);
        double[][] kv = splitLast(linear(text, p + "cross.kv", 2 * d, dt), 2, d);
        double[] co = mha(cq, kv[0], kv[1], batch, n, len, heads, hd, mask);
        add(x, linear(co, p + "cross.out", d, d));
        double[] f = modulate(layerNorm(x, d, null, null), m[3], m[4], batch, n);
        f = linear(gelu(linear(f, p + "mlp.fc1", c.mlpHidden(), d)), p + "mlp.fc2", d, c.mlpHidden());
        gatedAdd(x, m[5], f, batch, n);
        return x;
    }

    public double[] head(double[] x, double[] temb, int batch, int n) {
        int d = c.hidden();
        float[] mod = w.get("head.modulation");
        double[] shift = new double[batch * d];
        double[] scale = new double[batch * d];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < d; j++) {
                shift[b * d + j] = mod[j] + temb[b * d + j];
                scale[b * d + j] = mod[d + j] + temb[b * d + j];
            }
        }
        return linear(modulate(layerNorm(x, d, null, null), shift, scale, batch, n), "head.linear", c.patchSize(), d);
    }

    /** The whole velocity prediction {@code [B, N, P]} with dense self-attention. */
    public double[] velocity(double[] patches, double[] t, double[] textStates, double[] mask, double[] pooled, TokenGrid grid,
                             int batch) {
        Embedded emb = embed(patches, t, pooled, grid, batch);
        double[] x = emb.x();
        for (int i = 0; i < c.blocks(); i++) {
            Qkv qkv = pre(i, x, emb.e(), grid, batch);
            x = post(i, x, selfAttention(qkv, batch, grid.volume()), emb.e(), textStates, mask, batch, grid.volume());
        }
        return head(x, emb.temb(), batch, grid.volume());
    }

    // ---- pieces ---------------------------------------------------------------------------------------------

    private void rope(double[] x, TokenGrid grid, int batch, int firstFrame) {
        int heads = c.heads();
        int hd = c.headDim();
        int[] axes = c.ropeAxes();
        for (int b = 0; b < batch; b++) {
            for (int f = 0; f < grid.frames(); f++) {
                for (int y = 0; y < grid.height(); y++) {
                    for (int xx = 0; xx < grid.width(); xx++) {
                        int token = grid.index(f, y, xx);
                        int[] pos = {firstFrame + f, y, xx};
                        for (int h = 0; h < heads; h++) {
                            int base = ((b * grid.volume() + token) * heads + h) * hd;
                            int o = 0;
                            for (int axis = 0; axis < 3; axis++) {
                                int a = axes[axis];
                                for (int j = 0; j < a / 2; j++) {
                                    double angle = pos[axis] * Math.pow(c.ropeTheta(), -2.0 * j / a);
                                    double x0 = x[base + o + 2 * j];
                                    double x1 = x[base + o + 2 * j + 1];
                                    x[base + o + 2 * j] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                                    x[base + o + 2 * j + 1] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
                                }
                                o += a;
                            }
                        }
                    }
                }
            }
        }
    }

    private double[] mha(double[] q, double[] k, double[] v, int batch, int nq, int nk, int heads, int hd, double[] keyMask) {
        int width = heads * hd;
        double[] o = new double[batch * nq * width];
        double[] s = new double[nk];
        double scale = 1 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < nq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < nk; j++) {
                        if (keyMask[b * nk + j] == 0) {
                            s[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int t = 0; t < hd; t++) dot += q[(b * nq + i) * width + h * hd + t] * k[(b * nk + j) * width + h * hd + t];
                        s[j] = dot * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < nk; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j < nk; j++) {
                        for (int t = 0; t < hd; t++) o[(b * nq + i) * width + h * hd + t] += s[j] / sum * v[(b * nk + j) * width + h * hd + t];
                    }
                }
            }
        }
        return o;
    }

    private double[][] modulation(double[] e, String name, int batch) {
        int d = c.hidden();
        float[] mod = w.get(name);
        double[][] m = new double[6][batch * d];
        for (int r = 0; r < 6; r++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < d; j++) m[r][b * d + j] = e[(b * 6 + r) * d + j] + mod[r * d + j];
            }
        }
        return m;
    }

    /** {@code h·(1 + scale) + shift}, shift/scale {@code [B, d]} broadcast over tokens. */
    private double[] modulate(double[] h, double[] shift, double[] scale, int batch, int n) {
        int d = c.hidden();
        double[] out = new double[h.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) {
                    int i = (b * n + t) * d + j;
                    out[i] = h[i] * (1 + scale[b * d + j]) + shift[b * d + j];
                }
            }
        }
        return out;
    }

    private void gatedAdd(double[] x, double[] gate, double[] y, int batch, int n) {
        int d = c.hidden();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) x[(b * n + t) * d + j] += gate[b * d + j] * y[(b * n + t) * d + j];
            }
        }
    }

    private double[] linear(double[] x, String name, int out, int in) {
        float[] wt = w.get(name + ".weight");
        float[] bias = w.get(name + ".bias");
        int rows = x.length / in;
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * wt[o * in + i];
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private static double[] layerNorm(double[] x, int width, float[] weight, float[] bias) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / width; r++) {
            double mean = 0;
            for (int i = 0; i < width; i++) mean += x[r * width + i];
            mean /= width;
            double var = 0;
            for (int i = 0; i < width; i++) var += (x[r * width + i] - mean) * (x[r * width + i] - mean);
            var /= width;
            double inv = 1 / Math.sqrt(var + EPS);
            for (int i = 0; i < width; i++) {
                double v = (x[r * width + i] - mean) * inv;
                y[r * width + i] = weight == null ? v : v * weight[i] + bias[i];
            }
        }
        return y;
    }

    private static double[] rms(double[] x, int width, float[] weight) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / width; r++) {
            double ms = 0;
            for (int i = 0; i < width; i++) ms += x[r * width + i] * x[r * width + i];
            double inv = 1 / Math.sqrt(ms / width + EPS);
            for (int i = 0; i < width; i++) y[r * width + i] = x[r * width + i] * inv * weight[i];
        }
        return y;
    }

    private static double[][] splitLast(double[] x, int parts, int width) {
        int rows = x.length / (parts * width);
        double[][] out = new double[parts][rows * width];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < parts; p++) System.arraycopy(x, (r * parts + p) * width, out[p], r * width, width);
        }
        return out;
    }

    /** {@code [B, N, heads·hd]} → {@code [B, heads, N, hd]}. */
    private static double[] headsFirst(double[] x, int batch, int n, int heads, int hd) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < n; t++)
                for (int h = 0; h < heads; h++)
                    System.arraycopy(x, ((b * n + t) * heads + h) * hd, y, ((b * heads + h) * n + t) * hd, hd);
        return y;
    }

    private static double[] tokensFirst(double[] x, int batch, int n, int heads, int hd) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < n; t++)
                for (int h = 0; h < heads; h++)
                    System.arraycopy(x, ((b * heads + h) * n + t) * hd, y, ((b * n + t) * heads + h) * hd, hd);
        return y;
    }

    private static double[] silu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
        return y;
    }

    private static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        double k = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < x.length; i++) y[i] = 0.5 * x[i] * (1 + Math.tanh(k * (x[i] + 0.044715 * x[i] * x[i] * x[i])));
        return y;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) x[i] += y[i];
    }
}
