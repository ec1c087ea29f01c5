package io.tilewise.wan.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Plain-Java float64 forward of diffusers' {@code WanTransformer3DModel} (text-to-video: no image embedder), written
 * from {@code transformer_wan.py} and {@code embeddings.py} as a second implementation the production ORT stages are
 * checked against. Slow and simple on purpose: one loop per formula, no fusion, no caching.
 *
 * <p>Tensors are diffusers' names mapped to row-major values (Linear weights {@code [out, in]}, the patch Conv3d
 * weight {@code [dim, C, pt, ph, pw]}). Latents {@code [B, C, F, H, W]}, text states {@code [B, L, textDim]}, output
 * {@code [B, outC, F'·pt, H'·ph, W'·pw]} with {@code F' = F / pt} etc. (floor, as the strided Conv3d does).
 */
public final class WanTransformerReference {

    /** Replaces the dense softmax of a block's self-attention (tests plug sparse methods in here). */
    @FunctionalInterface
    public interface AttentionOverride {
        /**
         * Called once per batch item and layer, after RMS norm and RoPE.
         *
         * @param q,k,v  {@code [heads, tokens, headDim]} row-major
         * @return the attention output {@code [heads, tokens, headDim]} row-major (before {@code to_out})
         */
        double[] attend(int layer, double[] q, double[] k, double[] v, int heads, int tokens, int headDim);
    }

    /** The transformer's {@code config.json} fields the T2V forward reads. */
    public record Config(int heads, int headDim, int layers, int ffnDim, int inChannels, int outChannels, int textDim,
                         int freqDim, int[] patch, double eps, int ropeMaxSeqLen, boolean crossAttnNorm) {

        public Config {
            if (patch.length != 3) throw new IllegalArgumentException("patch must have 3 sizes, got " + Arrays.toString(patch));
            patch = patch.clone();
        }

        public int dim() {
            return heads * headDim;
        }

        /**
         * Reads {@code config.json}; missing fields take the defaults of {@code WanTransformer3DModel.__init__}.
         * Image-conditioned configs are refused: this reference covers text-to-video only.
         */
        public static Config fromJson(Path configJson) throws IOException {
            JsonNode n = new ObjectMapper().readTree(Files.readString(configJson));
            for (String unsupported : new String[] {"image_dim", "added_kv_proj_dim", "pos_embed_seq_len"}) {
                if (n.hasNonNull(unsupported)) {
                    throw new IllegalArgumentException(configJson + ": " + unsupported + " = " + n.get(unsupported)
                            + " (image conditioning) is not supported by the T2V reference");
                }
            }
            int[] patch = {1, 2, 2};
            if (n.hasNonNull("patch_size")) {
                JsonNode p = n.get("patch_size");
                patch = new int[p.size()];
                for (int i = 0; i < patch.length; i++) patch[i] = p.get(i).asInt();
            }
            int in = n.path("in_channels").asInt(16);
            int out = n.hasNonNull("out_channels") && n.get("out_channels").asInt() != 0 ? n.get("out_channels").asInt() : in;
            return new Config(
                    n.path("num_attention_heads").asInt(40),
                    n.path("attention_head_dim").asInt(128),
                    n.path("num_layers").asInt(40),
                    n.path("ffn_dim").asInt(13824),
                    in, out,
                    n.path("text_dim").asInt(4096),
                    n.path("freq_dim").asInt(256),
                    patch,
                    n.path("eps").asDouble(1e-6),
                    n.path("rope_max_seq_len").asInt(1024),
                    n.path("cross_attn_norm").asBoolean(true));
        }
    }

    private WanTransformerReference() {
    }

    /** The forward with dense softmax self-attention. */
    public static double[] forward(Map<String, double[]> weights, Config config, float[] latents, int batch, int frames,
                                   int height, int width, double timestep, float[] textStates, int textLength) {
        return forward(weights, config, latents, batch, frames, height, width, timestep, textStates, textLength, null);
    }

    /**
     * The forward; {@code selfAttention} (null for dense) replaces each block's self-attention softmax.
     *
     * @param timestep one value for every batch item, as diffusers passes it (0–1000)
     */
    public static double[] forward(Map<String, double[]> weights, Config config, float[] latents, int batch, int frames,
                                   int height, int width, double timestep, float[] textStates, int textLength,
                                   AttentionOverride selfAttention) {
        int c = config.inChannels();
        if (latents.length != (long) batch * c * frames * height * width) {
            throw new IllegalArgumentException("latents hold " + latents.length + " values, expected [" + batch + "," + c
                    + "," + frames + "," + height + "," + width + "]");
        }
        if (textStates.length != (long) batch * textLength * config.textDim()) {
            throw new IllegalArgumentException("textStates hold " + textStates.length + " values, expected [" + batch
                    + "," + textLength + "," + config.textDim() + "]");
        }
        int[] p = config.patch();
        int gf = frames / p[0], gh = height / p[1], gw = width / p[2];
        if (gf < 1 || gh < 1 || gw < 1) throw new IllegalArgumentException("latents smaller than one patch");
        int tokens = gf * gh * gw;
        int dim = config.dim();
        Weights w = new Weights(weights);

        double[][] rope = ropeAngles(config, gf, gh, gw);

        // Time: sinusoid → time_embedder (temb) → SiLU → time_proj (the six modulation rows of every block).
        double[] sinusoid = timestepSinusoid(timestep, config.freqDim());
        double[] temb = linear(w, "condition_embedder.time_embedder.linear_2",
                silu(linear(w, "condition_embedder.time_embedder.linear_1", sinusoid, config.freqDim(), dim)), dim, dim);
        double[] timeProj = linear(w, "condition_embedder.time_proj", silu(temb), dim, 6 * dim);

        int outC = config.outChannels();
        int patchVolume = p[0] * p[1] * p[2];
        int outF = gf * p[0], outH = gh * p[1], outW = gw * p[2];
        double[] out = new double[batch * outC * outF * outH * outW];
        for (int b = 0; b < batch; b++) {
            double[][] x = patchEmbed(w, config, latents, b, frames, height, width, gf, gh, gw);
            double[][] text = new double[textLength][];
            for (int l = 0; l < textLength; l++) {
                double[] row = new double[config.textDim()];
                int base = (b * textLength + l) * config.textDim();
                for (int i = 0; i < row.length; i++) row[i] = textStates[base + i];
                double[] hidden = gelu(linear(w, "condition_embedder.text_embedder.linear_1", row, config.textDim(), dim));
                text[l] = linear(w, "condition_embedder.text_embedder.linear_2", hidden, dim, dim);
            }
            for (int layer = 0; layer < config.layers(); layer++) {
                block(w, config, layer, x, text, timeProj, rope, selfAttention);
            }
            // Output head: shift = row 0, scale = row 1 of (scale_shift_table + temb).
            double[] table = w.get("scale_shift_table", 2 * dim);
            for (int n = 0; n < tokens; n++) {
                double[] normed = layerNorm(x[n], config.eps());
                for (int d = 0; d < dim; d++) {
                    double shift = table[d] + temb[d];
                    double scale = table[dim + d] + temb[d];
                    normed[d] = normed[d] * (1 + scale) + shift;
                }
                double[] proj = linear(w, "proj_out", normed, dim, outC * patchVolume);
                // Unpatchify: proj_out's features are (pt, ph, pw, outC), channel fastest.
                int f = n / (gh * gw), h = (n / gw) % gh, ww = n % gw;
                for (int kt = 0; kt < p[0]; kt++) {
                    for (int kh = 0; kh < p[1]; kh++) {
                        for (int kw = 0; kw < p[2]; kw++) {
                            for (int ch = 0; ch < outC; ch++) {
                                double v = proj[((kt * p[1] + kh) * p[2] + kw) * outC + ch];
                                int of = f * p[0] + kt, oh = h * p[1] + kh, ow = ww * p[2] + kw;
                                out[(((b * outC + ch) * outF + of) * outH + oh) * outW + ow] = v;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    // ---- blocks ----

    private static void block(Weights w, Config config, int layer, double[][] x, double[][] text, double[] timeProj,
                              double[][] rope, AttentionOverride selfAttention) {
        int dim = config.dim();
        int tokens = x.length;
        String pre = "blocks." + layer + ".";
        double[] table = w.get(pre + "scale_shift_table", 6 * dim);
        // Modulation rows: shift, scale, gate (self-attention), shift, scale, gate (FFN).
        double[][] mod = new double[6][dim];
        for (int r = 0; r < 6; r++) {
            for (int d = 0; d < dim; d++) mod[r][d] = table[r * dim + d] + timeProj[r * dim + d];
        }

        // 1. Self-attention.
        double[][] normed = new double[tokens][];
        for (int n = 0; n < tokens; n++) {
            double[] v = layerNorm(x[n], config.eps());
            for (int d = 0; d < dim; d++) v[d] = v[d] * (1 + mod[1][d]) + mod[0][d];
            normed[n] = v;
        }
        double[][] attn = attention(w, config, pre + "attn1", normed, normed, rope, layer, selfAttention);
        for (int n = 0; n < tokens; n++) {
            for (int d = 0; d < dim; d++) x[n][d] += attn[n][d] * mod[2][d];
        }

        // 2. Cross-attention to the text states (no RoPE, no gate).
        for (int n = 0; n < tokens; n++) {
            if (config.crossAttnNorm()) {
                double[] gamma = w.get(pre + "norm2.weight", dim);
                double[] beta = w.get(pre + "norm2.bias", dim);
                double[] v = layerNorm(x[n], config.eps());
                for (int d = 0; d < dim; d++) v[d] = v[d] * gamma[d] + beta[d];
                normed[n] = v;
            } else {
                normed[n] = x[n].clone();
            }
        }
        double[][] cross = attention(w, config, pre + "attn2", normed, text, null, layer, null);
        for (int n = 0; n < tokens; n++) {
            for (int d = 0; d < dim; d++) x[n][d] += cross[n][d];
        }

        // 3. Feed-forward (tanh-GELU), gated.
        for (int n = 0; n < tokens; n++) {
            double[] v = layerNorm(x[n], config.eps());
            for (int d = 0; d < dim; d++) v[d] = v[d] * (1 + mod[4][d]) + mod[3][d];
            double[] hidden = gelu(linear(w, pre + "ffn.net.0.proj", v, dim, config.ffnDim()));
            double[] ff = linear(w, pre + "ffn.net.2", hidden, config.ffnDim(), dim);
            for (int d = 0; d < dim; d++) x[n][d] += ff[d] * mod[5][d];
        }
    }

    /** WanAttention: q/k/v projections, RMS norm over all heads, optional RoPE, softmax attention, to_out.0. */
    private static double[][] attention(Weights w, Config config, String pre, double[][] queries, double[][] context,
                                        double[][] rope, int layer, AttentionOverride override) {
        int dim = config.dim(), heads = config.heads(), hd = config.headDim();
        int nq = queries.length, nk = context.length;
        double[] normQ = w.get(pre + ".norm_q.weight", dim);
        double[] normK = w.get(pre + ".norm_k.weight", dim);
        double[] q = new double[heads * nq * hd];
        double[] k = new double[heads * nk * hd];
        double[] v = new double[heads * nk * hd];
        for (int n = 0; n < nq; n++) {
            double[] row = rmsNorm(linear(w, pre + ".to_q", queries[n], dim, dim), normQ, config.eps());
            if (rope != null) applyRope(row, rope[n], heads, hd);
            scatterHeads(row, q, n, nq, heads, hd);
        }
        for (int n = 0; n < nk; n++) {
            double[] row = rmsNorm(linear(w, pre + ".to_k", context[n], dim, dim), normK, config.eps());
            if (rope != null) applyRope(row, rope[n], heads, hd);
            scatterHeads(row, k, n, nk, heads, hd);
            scatterHeads(linear(w, pre + ".to_v", context[n], dim, dim), v, n, nk, heads, hd);
        }
        double[] o = override != null ? override.attend(layer, q, k, v, heads, nq, hd) : denseAttention(q, k, v, heads, nq, nk, hd);
        if (o.length != heads * nq * hd) {
            throw new IllegalStateException("attention override returned " + o.length + " values, expected " + heads * nq * hd);
        }
        double[][] result = new double[nq][];
        for (int n = 0; n < nq; n++) {
            double[] row = new double[dim];
            for (int h = 0; h < heads; h++) {
                System.arraycopy(o, (h * nq + n) * hd, row, h * hd, hd);
            }
            result[n] = linear(w, pre + ".to_out.0", row, dim, dim);
        }
        return result;
    }

    private static void scatterHeads(double[] row, double[] dst, int n, int count, int heads, int hd) {
        for (int h = 0; h < heads; h++) System.arraycopy(row, h * hd, dst, (h * count + n) * hd, hd);
    }

    /** Softmax(q·kᵀ/√headDim)·v per head; layouts {@code [heads, tokens, headDim]}. */
    static double[] denseAttention(double[] q, double[] k, double[] v, int heads, int nq, int nk, int hd) {
        double scale = 1.0 / Math.sqrt(hd);
        double[] out = new double[heads * nq * hd];
        double[] scores = new double[nk];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < nq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    double s = 0;
                    for (int d = 0; d < hd; d++) s += q[(h * nq + i) * hd + d] * k[(h * nk + j) * hd + d];
                    scores[j] = s * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < nk; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < nk; j++) {
                    double p = scores[j] / sum;
                    for (int d = 0; d < hd; d++) out[(h * nq + i) * hd + d] += p * v[(h * nk + j) * hd + d];
                }
            }
        }
        return out;
    }

    // ---- position and time ----

    /**
     * RoPE angle per token and rotation pair (headDim/2 pairs): the head dim splits into frames
     * {@code hd − 2·2⌊hd/6⌋}, height {@code 2⌊hd/6⌋}, width {@code 2⌊hd/6⌋}; within an axis of size {@code a}, pair
     * {@code i} turns by {@code pos / 10000^(2i/a)}.
     */
    static double[][] ropeAngles(Config config, int gf, int gh, int gw) {
        int hd = config.headDim();
        int hDim = 2 * (hd / 6);
        int tDim = hd - 2 * hDim;
        if (tDim % 2 != 0 || tDim <= 0 || hDim <= 0) {
            throw new IllegalArgumentException("attention_head_dim " + hd + " does not split into even RoPE axes");
        }
        int max = config.ropeMaxSeqLen();
        if (gf > max || gh > max || gw > max) {
            throw new IllegalArgumentException("grid " + gf + "x" + gh + "x" + gw + " exceeds rope_max_seq_len " + max);
        }
        double[][] angles = new double[gf * gh * gw][hd / 2];
        for (int f = 0; f < gf; f++) {
            for (int h = 0; h < gh; h++) {
                for (int x = 0; x < gw; x++) {
                    double[] a = angles[(f * gh + h) * gw + x];
                    int pair = 0;
                    for (int i = 0; i < tDim / 2; i++) a[pair++] = f * inverseFrequency(i, tDim);
                    for (int i = 0; i < hDim / 2; i++) a[pair++] = h * inverseFrequency(i, hDim);
                    for (int i = 0; i < hDim / 2; i++) a[pair++] = x * inverseFrequency(i, hDim);
                }
            }
        }
        return angles;
    }

    private static double inverseFrequency(int pairIndex, int axisDim) {
        return 1.0 / Math.pow(10000.0, (2.0 * pairIndex) / axisDim);
    }

    /** Rotates interleaved pairs (2i, 2i+1) of every head as the complex number x[2i] + i·x[2i+1]. */
    private static void applyRope(double[] row, double[] angles, int heads, int hd) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                int at = h * hd + 2 * i;
                double re = row[at], im = row[at + 1];
                double cos = Math.cos(angles[i]), sin = Math.sin(angles[i]);
                row[at] = re * cos - im * sin;
                row[at + 1] = re * sin + im * cos;
            }
        }
    }

    /**
     * diffusers' {@code get_timestep_embedding} as Wan sets it (flip_sin_to_cos, downscale_freq_shift 0, max period
     * 10000): {@code [cos(t·f_i), sin(t·f_i)]} with {@code f_i = exp(−ln(10000)·i/half)}; an odd size pads one zero.
     *
     * <p>The one place this reference keeps float32 rounding: diffusers forms the argument in float32 (a float32
     * {@code arange}, {@code exp}, and {@code timesteps.float()}) whatever the model dtype, and at t ≈ 400–1000 that
     * rounding of the phase moves the transformer output by ~1e-6 relative, more than the checks allow. Sine and
     * cosine of that argument are then taken in float64.
     */
    static double[] timestepSinusoid(double t, int freqDim) {
        int half = freqDim / 2;
        double[] emb = new double[freqDim];
        float logPeriod = (float) -Math.log(10000.0);
        float time = (float) t;
        for (int i = 0; i < half; i++) {
            float exponent = (logPeriod * (float) i) / (float) half;
            float frequency = (float) Math.exp(exponent);
            float arg = time * frequency;
            emb[i] = Math.cos(arg);
            emb[half + i] = Math.sin(arg);
        }
        return emb;
    }

    // ---- elementary ops ----

    private static double[][] patchEmbed(Weights w, Config config, float[] latents, int b, int frames, int height,
                                         int width, int gf, int gh, int gw) {
        int[] p = config.patch();
        int c = config.inChannels(), dim = config.dim();
        int kernel = c * p[0] * p[1] * p[2];
        double[] weight = w.get("patch_embedding.weight", dim * kernel);
        double[] bias = w.get("patch_embedding.bias", dim);
        double[][] x = new double[gf * gh * gw][];
        for (int f = 0; f < gf; f++) {
            for (int h = 0; h < gh; h++) {
                for (int ww = 0; ww < gw; ww++) {
                    double[] patch = new double[kernel];
                    for (int ch = 0; ch < c; ch++) {
                        for (int kt = 0; kt < p[0]; kt++) {
                            for (int kh = 0; kh < p[1]; kh++) {
                                for (int kw = 0; kw < p[2]; kw++) {
                                    int src = (((b * c + ch) * frames + f * p[0] + kt) * height + h * p[1] + kh) * width
                                            + ww * p[2] + kw;
                                    patch[((ch * p[0] + kt) * p[1] + kh) * p[2] + kw] = latents[src];
                                }
                            }
                        }
                    }
                    double[] row = bias.clone();
                    for (int d = 0; d < dim; d++) {
                        double s = 0;
                        for (int i = 0; i < kernel; i++) s += weight[d * kernel + i] * patch[i];
                        row[d] += s;
                    }
                    x[(f * gh + h) * gw + ww] = row;
                }
            }
        }
        return x;
    }

    private static double[] linear(Weights w, String name, double[] in, int inDim, int outDim) {
        if (in.length != inDim) throw new IllegalStateException(name + ": input has " + in.length + " values, expected " + inDim);
        double[] weight = w.get(name + ".weight", outDim * inDim);
        double[] bias = w.get(name + ".bias", outDim);
        double[] out = new double[outDim];
        for (int o = 0; o < outDim; o++) {
            double s = bias[o];
            for (int i = 0; i < inDim; i++) s += weight[o * inDim + i] * in[i];
            out[o] = s;
        }
        return out;
    }

    /** LayerNorm without affine: biased variance, as torch computes it. */
    private static double[] layerNorm(double[] x, double eps) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double inv = 1.0 / Math.sqrt(var + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (x[i] - mean) * inv;
        return out;
    }

    /** torch.nn.RMSNorm with affine weight over the whole vector (all heads at once). */
    private static double[] rmsNorm(double[] x, double[] weight, double eps) {
        double ms = 0;
        for (double v : x) ms += v * v;
        ms /= x.length;
        double inv = 1.0 / Math.sqrt(ms + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * inv * weight[i];
        return out;
    }

    private static double[] silu(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] / (1 + Math.exp(-x[i]));
        return out;
    }

    /** GELU, tanh approximation (torch's approximate="tanh"). */
    private static double[] gelu(double[] x) {
        double c = Math.sqrt(2.0 / Math.PI);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            out[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)));
        }
        return out;
    }

    /** The weight map with a size check per lookup, so a missing or misshapen tensor fails by name. */
    private record Weights(Map<String, double[]> map) {
        double[] get(String name, int size) {
            double[] v = map.get(name);
            if (v == null) throw new IllegalArgumentException("weights lack tensor " + name);
            if (v.length != size) {
                throw new IllegalArgumentException("tensor " + name + " has " + v.length + " values, expected " + size);
            }
            return v;
        }
    }
}
