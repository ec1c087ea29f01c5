package io.tilewise.training;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.onnx.PositionFeatures;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The {@code tilewise-tiny-dit-v1} forward of docs/tiny-dit-architecture.md in plain DJL NDArray ops, with the
 * contract's parameter names. Parameters live in the manager given at construction; every intermediate is
 * created in the manager of the input patches (callers wrap a step in an {@code NDScope} or sub-manager).
 */
public final class TinyDit {

    private static final float EPS = 1e-6f;
    /** Additive score for masked text keys; exp underflows to exactly 0 as with −∞, without 0·∞ NaNs. */
    private static final float MASKED = -1e9f;
    /** Initial value of the block gates (gate1, gate2): open, as in a plain pre-norm transformer. */
    static final float GATE_INIT = 1f;
    /**
     * Initial value of the q/k RMS-norm weights. With unit weights the largest score is sqrt(headDim) ≈ 5.7 at
     * headDim 32: too flat to single out neighbours among thousands of keys, and a run kept the weights near 1.0 —
     * attention stayed nearly uniform (entropy 7.5 of a possible 8.3 nats over 4,096 keys, 1/16 of the mass in the
     * query's own frame) and every patch was drawn on its own (scattered colour, no shape, no motion). At 1.5 the
     * largest score is 12.7 and the initial scores have a standard deviation of 2.25 (2.5 started too peaked: 0.4 of
     * the mass on one random key).
     */
    static final float QK_NORM_INIT = 1.5f;

    private final ModelConfig cfg;
    private final Map<String, NDArray> params;

    /** Standard deviation of the initial {@code pos_embed} weights. */
    static final double POS_EMBED_INIT = 0.05;

    private TinyDit(ModelConfig cfg, Map<String, NDArray> params) {
        this.cfg = cfg;
        this.params = params;
    }

    /** Name → shape of every parameter, in the contract's table order. */
    public static Map<String, long[]> parameterShapes(ModelConfig c) {
        // the inference contract's table: names, shapes and their order (seeded initialization walks it in order)
        return ModelWeights.expectedShapes(c);
    }

    /**
     * Fresh parameters (seeded): Xavier-uniform linears, zero biases, unit norm weights, N(0, 0.02) embeddings
     * and timestep MLP; time_proj, modulations (except the block gates, which start at {@link #GATE_INIT}),
     * cross.out and head.linear start at zero, so the model predicts 0 at first. text_pool.weight is Xavier like the
     * other linears (from zero it grew to rms 0.009 in 470 fine-tuning steps, too slowly for the prompt to reach the
     * modulation); pos_embed starts at N(0, {@value #POS_EMBED_INIT}).
     */
    public static Map<String, float[]> initialValues(ModelConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : parameterShapes(c).entrySet()) {
            String n = e.getKey();
            long[] shape = e.getValue();
            int size = 1;
            for (long x : shape) {
                size *= (int) x;
            }
            float[] v = new float[size];
            boolean zero = n.startsWith("time_proj") || n.equals("text_pool.bias") || n.endsWith("modulation") || n.contains("cross.out")
                    || n.startsWith("head.linear") || n.endsWith(".bias");
            if (zero) {
                if (n.startsWith("blocks.") && n.endsWith("modulation")) {
                    // Gates (rows 2 and 5) start open: with adaLN-Zero's closed gates, self-attention and the MLP get
                    // no gradient until the gates grow, and a short CPU budget ended with gates near 0.02 and a model
                    // that predicted every patch on its own (right colors, no coherent shape).
                    int d = (int) shape[1];
                    java.util.Arrays.fill(v, 2 * d, 3 * d, GATE_INIT);
                    java.util.Arrays.fill(v, 5 * d, 6 * d, GATE_INIT);
                }
            } else if (n.startsWith("pos_embed")) {
                // Small but not zero: position only pays off jointly with the prompt (the layouts of "left" and "right"
                // average to a symmetric one), and with pos_embed at 0 that joint term has no gradient. Measured: from
                // zero it stayed at rms 0.005 over 600 fine-tuning steps and the direction word kept no effect.
                for (int i = 0; i < size; i++) {
                    v[i] = (float) (POS_EMBED_INIT * r.nextGaussian());
                }
            } else if (n.endsWith("norm_q.weight") || n.endsWith("norm_k.weight")) {
                java.util.Arrays.fill(v, QK_NORM_INIT);
            } else if (n.contains("norm")) {
                java.util.Arrays.fill(v, 1f);
            } else if (n.startsWith("text.embed") || n.startsWith("text.pos") || n.startsWith("time_embed")) {
                for (int i = 0; i < size; i++) {
                    v[i] = (float) (0.02 * r.nextGaussian());
                }
            } else {
                double bound = Math.sqrt(6.0 / (shape[0] + shape[1]));
                for (int i = 0; i < size; i++) {
                    v[i] = (float) (bound * (2 * r.nextDouble() - 1));
                }
            }
            out.put(n, v);
        }
        return out;
    }

    /** A model over the given values (copied into {@code manager}); trainable arrays track gradients. */
    public static TinyDit of(ModelConfig c, Map<String, float[]> values, NDManager manager, boolean trainable) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : parameterShapes(c).entrySet()) {
            float[] v = values.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("missing parameter " + e.getKey());
            }
            NDArray a = manager.create(v, new Shape(e.getValue()));
            a.setName(e.getKey());
            if (trainable) {
                a.setRequiresGradient(true);
            }
            params.put(e.getKey(), a);
        }
        return new TinyDit(c, params);
    }

    public ModelConfig config() {
        return cfg;
    }

    /** The parameters by contract name (live arrays). */
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** Current parameter values, copied out. */
    public Map<String, float[]> values() {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /**
     * The velocity prediction.
     *
     * @param patches {@code [B, N, P]} noisy patches (its manager receives all intermediates)
     * @param t flow-matching time per batch row
     * @param ids token ids {@code [B·L]}
     * @param mask 1 = real token {@code [B·L]}
     * @param frames token grid frames
     * @param gh token grid rows
     * @param gw token grid columns
     * @return {@code [B, N, P]}
     */
    public NDArray forward(NDArray patches, float[] t, long[] ids, float[] mask, int frames, int gh, int gw) {
        return forward(patches, t, 0, ids, mask, frames, gh, gw);
    }

    /**
     * The velocity prediction of the block-causal variant: frames are grouped into chunks of {@code chunkFrames}
     * (the last may be shorter); self-attention is chunk-causal (a chunk attends itself and earlier chunks) and
     * every chunk has its own flow time, so the timestep modulation is per token. {@code chunkFrames = 0} is the
     * bidirectional model with one time per batch row.
     *
     * @param t flow time per (batch row, chunk), row-major {@code [B][chunks]}
     */
    public NDArray forward(NDArray patches, float[] t, int chunkFrames, long[] ids, float[] mask, int frames, int gh, int gw) {
        NDManager m = patches.getManager();
        int b = (int) patches.getShape().get(0);
        int n = (int) patches.getShape().get(1);
        if (n != frames * gh * gw) {
            throw new IllegalArgumentException("patches has " + n + " tokens, grid " + frames + "x" + gh + "x" + gw);
        }
        int d = cfg.hidden();
        Norms norms = new Norms(m);
        NDArray bias = maskBias(m, mask, b);
        NDArray text = textEncoder(m, norms, ids, bias, b);

        Chunking chunking = new Chunking(chunkFrames, frames, gh * gw, b, t.length);
        NDArray temb = linear(silu(linear(m.create(timestepEmbedding(t, cfg.freqDim()), new Shape(t.length, cfg.freqDim())),
                "time_embed.fc1")), "time_embed.fc2");                                     // [B, d] (or [B·C, d])
        if (cfg.text().pooled()) {
            temb = addPooledText(temb, m, ids, mask, b);
        }
        NDArray e = linear(silu(temb), "time_proj").reshape(t.length, 6, d);               // [B, 6, d] (or [B·C, 6, d])
        temb = chunking.perToken(temb);                                                    // [B, d] or [B, N, d]
        e = chunking.perToken(e);                                                          // [B, 6, d] or [B, N, 6, d]
        NDArray causal = chunking.attentionBias(m, n);
        Rope rope = Rope.of(m, cfg, frames, gh, gw);

        NDArray x = linear(patches, "patch_embed");                                        // [B, N, d]
        if (cfg.positionFeatures() > 0) {
            int k = cfg.positionFeatures();
            NDArray features = m.create(PositionFeatures.of(new TokenGrid(frames, gh, gw), k), new Shape(n, PositionFeatures.width(k)));
            x = x.add(features.matMul(p("pos_embed.weight").transpose()));                 // + [N, d]
        }
        int heads = cfg.heads(), hd = cfg.headDim();
        for (int i = 0; i < cfg.blocks(); i++) {
            String pre = "blocks." + i + ".";
            NDArray mod = e.add(p(pre + "modulation"));
            NDArray shift1 = part(mod, 0), scale1 = part(mod, 1), gate1 = part(mod, 2);
            NDArray shift2 = part(mod, 3), scale2 = part(mod, 4), gate2 = part(mod, 5);
            // 1. pre-attention stage
            NDArray h = norms.ln(x).mul(scale1.add(norms.c(1f))).add(shift1);
            NDList qkv = linear(h, pre + "attn.qkv").split(3, 2);
            NDArray q = norms.rms(qkv.get(0).reshape(b, n, heads, hd), p(pre + "attn.norm_q.weight"));
            NDArray k = norms.rms(qkv.get(1).reshape(b, n, heads, hd), p(pre + "attn.norm_k.weight"));
            q = rope.apply(q).transpose(0, 2, 1, 3);
            k = rope.apply(k).transpose(0, 2, 1, 3);
            NDArray v = qkv.get(2).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            // 2. self-attention (dense)
            NDArray o = attention(q, k, v, causal, norms);
            // 3. post-attention stage
            x = x.add(gate1.mul(linear(merge(o), pre + "attn.out")));
            NDArray c = heads(linear(layerNormAffine(x, pre + "cross.norm"), pre + "cross.q"), heads);
            NDList kv = linear(text, pre + "cross.kv").split(2, 2);
            NDArray co = attention(c, heads(kv.get(0), heads), heads(kv.get(1), heads), bias, norms);
            x = x.add(linear(merge(co), pre + "cross.out"));
            NDArray f = norms.ln(x).mul(scale2.add(norms.c(1f))).add(shift2);
            x = x.add(gate2.mul(linear(norms.gelu(linear(f, pre + "mlp.fc1")), pre + "mlp.fc2")));
        }
        NDArray hm = temb.expandDims(-2).add(p("head.modulation"));                         // [B, 2, d] or [B, N, 2, d]
        NDArray out = norms.ln(x).mul(part(hm, 1).add(norms.c(1f))).add(part(hm, 0));
        return linear(out, "head.linear");
    }

    /**
     * {@code temb + text_pool(mean of the real tokens' word embeddings)}: a clip-wide bag of the prompt's words that
     * reaches every adaLN modulation directly. Word embeddings, not the text encoder's states: in the v1 weights the
     * encoder's states were identical for "left" and "right" at every position (the words' own embeddings drowned in
     * the residual stream), so no later layer could see the direction, and no gradient reached its embedding through
     * them. Per row, and the same for every chunk of a row ({@code temb} is {@code [B·C, d]}, chunks adjacent).
     */
    private NDArray addPooledText(NDArray temb, NDManager m, long[] ids, float[] mask, int b) {
        int l = cfg.text().maxTokens(), v = cfg.text().vocab().size();
        float[] weights = new float[b * v];     // per row: (count of each word among the real tokens) / (real tokens)
        for (int r = 0; r < b; r++) {
            float count = 0;
            for (int i = 0; i < l; i++) count += mask[r * l + i];
            for (int i = 0; i < l; i++) weights[r * v + (int) ids[r * l + i]] += mask[r * l + i] / count;
        }
        NDArray bag = m.create(weights, new Shape(b, v));
        NDArray pooled = linear(bag.matMul(p("text.embed.weight")), "text_pool");          // [B, d]
        long rows = temb.getShape().get(0);
        return temb.reshape(b, rows / b, cfg.hidden()).add(pooled.expandDims(1)).reshape(rows, cfg.hidden());
    }

    /**
     * Modulation vector {@code i}: {@code [B, 1, d]} from per-row {@code [B, k, d]}, {@code [B, N, d]} from per-token
     * {@code [B, N, k, d]}.
     */
    private static NDArray part(NDArray mod, int i) {
        return mod.getShape().dimension() == 3 ? mod.get(":, " + i + ":" + (i + 1) + ", :") : mod.get(":, :, " + i + ", :");
    }

    /** How frames group into chunks for the block-causal variant (one chunk per row when chunkFrames is 0). */
    private record Chunking(int chunkFrames, int frames, int tokensPerFrame, int batch, int times) {
        Chunking {
            int chunks = chunkFrames > 0 ? (frames + chunkFrames - 1) / chunkFrames : 1;
            if (times != batch * chunks) {
                throw new IllegalArgumentException(times + " times given, expected " + batch * chunks + " (" + batch + " rows x "
                        + chunks + " chunks)");
            }
        }

        /**
         * {@code [B·C, …]} per chunk → {@code [B, N, …]} per token; per-row arrays pass through. A one-hot
         * {@code [N, C]} matrix product rather than repeat/gather: plain matmul in both directions of autograd
         * (PyTorch's repeat_interleave backward crashed the native library in a long run).
         */
        NDArray perToken(NDArray perChunk) {
            if (chunkFrames == 0) return perChunk;
            int chunks = times / batch;
            int tokens = frames * tokensPerFrame;
            Shape rest = perChunk.getShape().slice(1);
            float[] oneHot = new float[tokens * chunks];
            for (int token = 0; token < tokens; token++) oneHot[token * chunks + token / (chunkFrames * tokensPerFrame)] = 1f;
            NDArray select = perChunk.getManager().create(oneHot, new Shape(tokens, chunks));
            NDArray spread = select.matMul(perChunk.reshape(batch, chunks, rest.size()));       // [B, N, prod(rest)]
            return spread.reshape(new Shape(batch, tokens).addAll(rest));
        }

        /** {@code [1, 1, N, N]}: 0 where the key's chunk is not after the query's, a large negative number elsewhere. */
        NDArray attentionBias(NDManager m, int tokens) {
            if (chunkFrames == 0) return null;
            int perChunk = chunkFrames * tokensPerFrame;
            float[] bias = new float[tokens * tokens];
            for (int q = 0; q < tokens; q++) {
                for (int k = 0; k < tokens; k++) bias[q * tokens + k] = k / perChunk <= q / perChunk ? 0f : MASKED;
            }
            return m.create(bias, new Shape(1, 1, tokens, tokens));
        }
    }

    private NDArray textEncoder(NDManager m, Norms norms, long[] ids, NDArray bias, int b) {
        int l = cfg.text().maxTokens(), v = cfg.text().vocab().size(), dt = cfg.text().hidden();
        float[] oneHot = new float[b * l * v];
        for (int i = 0; i < b * l; i++) {
            oneHot[i * v + (int) ids[i]] = 1f;
        }
        NDArray h = m.create(oneHot, new Shape(b, l, v)).matMul(p("text.embed.weight")).add(p("text.pos.weight"));
        int heads = cfg.text().heads();
        for (int i = 0; i < cfg.text().layers(); i++) {
            String pre = "text.layers." + i + ".";
            NDArray a = layerNormAffine(h, pre + "norm1");
            NDList qkv = linear(a, pre + "attn.qkv").split(3, 2);
            NDArray o = attention(heads(qkv.get(0), heads), heads(qkv.get(1), heads), heads(qkv.get(2), heads), bias, norms);
            h = h.add(linear(merge(o), pre + "attn.out"));
            h = h.add(linear(norms.gelu(linear(layerNormAffine(h, pre + "norm2"), pre + "mlp.fc1")), pre + "mlp.fc2"));
        }
        return layerNormAffine(h, "text.norm");
    }

    // ---- building blocks ----

    /** {@code [B, 1, 1, L]}: 0 for real tokens, a huge negative number for padding. */
    private static NDArray maskBias(NDManager m, float[] mask, int b) {
        float[] bias = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            bias[i] = mask[i] > 0 ? 0f : MASKED;
        }
        return m.create(bias, new Shape(b, 1, 1, mask.length / b));
    }

    /** The contract's sinusoidal embedding of s = 1000·t, cos half first. */
    static float[] timestepEmbedding(float[] t, int freqDim) {
        int half = freqDim / 2;
        float[] out = new float[t.length * freqDim];
        for (int b = 0; b < t.length; b++) {
            double s = 1000.0 * t[b];
            for (int j = 0; j < half; j++) {
                double f = Math.exp(-Math.log(10000.0) * j / half);
                out[b * freqDim + j] = (float) Math.cos(s * f);
                out[b * freqDim + half + j] = (float) Math.sin(s * f);
            }
        }
        return out;
    }

    private NDArray p(String name) {
        NDArray a = params.get(name);
        if (a == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return a;
    }

    private NDArray linear(NDArray x, String name) {
        return Linear.linear(x, p(name + ".weight"), p(name + ".bias")).singletonOrThrow();
    }

    private NDArray layerNormAffine(NDArray x, String name) {
        long last = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(last), p(name + ".weight"), p(name + ".bias"), EPS).singletonOrThrow();
    }

    /**
     * Per-forward constants: unit weight / zero bias for the affine-free layer norms, and scalars as arrays. DJL's
     * {@code mul(Number)} etc. wrap the scalar in a tensor over a direct buffer and close it right after the op, but
     * autograd saves that tensor for the backward pass, which then reads freed memory (sporadic NaN gradients).
     * Scalars created here stay alive in the step's manager until the step ends.
     */
    private final class Norms {
        final NDArray ones;
        final NDArray zeros;
        private final NDManager m;
        private final Map<Float, NDArray> scalars = new java.util.HashMap<>();

        Norms(NDManager m) {
            this.m = m;
            ones = m.ones(new Shape(cfg.hidden()));
            zeros = m.zeros(new Shape(cfg.hidden()));
        }

        NDArray c(float v) {
            return scalars.computeIfAbsent(v, x -> m.create(new float[] {x}, new Shape(1)));
        }

        /** GELU, tanh approximation. */
        NDArray gelu(NDArray x) {
            NDArray cube = x.mul(x).mul(x);
            NDArray inner = x.add(cube.mul(c(0.044715f))).mul(c((float) Math.sqrt(2 / Math.PI)));
            return x.mul(inner.tanh().add(c(1f))).mul(c(0.5f));
        }

        /** RMS(x)·w over the last axis. */
        NDArray rms(NDArray x, NDArray w) {
            return x.div(x.square().mean(new int[] {-1}, true).add(c(EPS)).sqrt()).mul(w);
        }

        NDArray ln(NDArray x) {
            return LayerNorm.layerNorm(x, new Shape(cfg.hidden()), ones, zeros, EPS).singletonOrThrow();
        }
    }

    /** x·sigmoid(x) (no scalar constants involved). */
    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code [B, N, heads·hd]} → {@code [B, heads, N, hd]}. */
    private static NDArray heads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** {@code [B, heads, N, hd]} → {@code [B, N, heads·hd]} (heads concatenated in order). */
    private static NDArray merge(NDArray o) {
        Shape s = o.getShape();
        return o.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** softmax(q kᵀ / sqrt(hd) + bias) v; the score matrices are closed as soon as the softmax exists. */
    private static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, Norms consts) {
        float scale = (float) (1 / Math.sqrt(q.getShape().get(3)));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(consts.c(scale));
        NDArray probs;
        if (bias != null) {
            NDArray masked = scores.add(bias);
            scores.close();
            probs = masked.softmax(-1);
            masked.close();
        } else {
            probs = scores.softmax(-1);
            scores.close();
        }
        NDArray o = probs.matMul(v);
        probs.close();
        return o;
    }
}
