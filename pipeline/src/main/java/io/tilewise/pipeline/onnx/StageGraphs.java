package io.tilewise.pipeline.onnx;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;

import java.util.Arrays;

/**
 * Builds the ONNX stage graphs of a {@code tilewise-tiny-dit-v1} model (docs/tiny-dit-architecture.md) with the
 * weights as initializers. The DiT is split at self-attention; batch and token count are symbolic, so one set of
 * sessions serves every grid.
 *
 * <pre>
 *  text encoder  ids [B,L] int64, text_mask [B,L] f32            → text_states [B,L,dt]
 *  embed         patches [B,N,P], t [B]                          → x [B,N,d], temb [B,d], e [B,6,d]
 *  block i pre   x, e, rope_cos [N,hd/2], rope_sin [N,hd/2]      → q, k, v [B,heads,N,hd]
 *     (our attention: o = softmax(q·kᵀ/sqrt(hd))·v, [B,heads,N,hd])
 *  block i post  x, attn [B,heads,N,hd], e, text_states, text_mask → x_out [B,N,d]
 *  head          x, temb                                          → velocity [B,N,P]
 * </pre>
 *
 * Interpretations of the contract, all numerically equivalent to it: a masked text key gets score −1e30 instead of
 * −∞ (its softmax weight is exactly 0 either way; there is always a real {@code <bos>} key); cross-attention uses the
 * standard scale {@code 1/sqrt(headDim)} and no q/k norm; RoPE angles are computed in Java (double, then rounded to
 * float) per grid and fed as {@code rope_cos}/{@code rope_sin} with one column per rotated pair.
 */
public final class StageGraphs {

    public static final String IDS = "ids";
    public static final String TEXT_MASK = "text_mask";
    public static final String TEXT_STATES = "text_states";
    public static final String TEXT_POOLED = "text_pooled";
    public static final String PATCHES = "patches";
    public static final String T = "t";
    public static final String X = "x";
    public static final String TEMB = "temb";
    public static final String E = "e";
    public static final String ROPE_COS = "rope_cos";
    public static final String ROPE_SIN = "rope_sin";
    public static final String POSITION = "position";
    public static final String Q = "q";
    public static final String K = "k";
    public static final String V = "v";
    public static final String ATTN = "attn";
    public static final String X_OUT = "x_out";
    public static final String VELOCITY = "velocity";

    /** Norm epsilon of every LN, LNa and RMS norm in the contract. */
    static final float EPS = 1e-6f;
    private static final String B = "batch";
    private static final String N = "tokens";

    private final ModelConfig c;
    private final ModelWeights w;
    private final StagePrecision precision;

    public StageGraphs(ModelWeights weights) {
        this(weights, StagePrecision.FP32);
    }

    /** @param precision of the blocks' weight products; the text encoder, embed and head stay fp32 */
    public StageGraphs(ModelWeights weights, StagePrecision precision) {
        this.w = weights;
        this.c = weights.config();
        this.precision = precision;
    }

    /** Text encoder: pre-LN transformer over {@code max_tokens} ids with key padding mask. */
    public byte[] textEncoder() {
        int dt = c.text().hidden();
        int len = c.text().maxTokens();
        int heads = c.text().heads();
        OnnxGraphBuilder g = new OnnxGraphBuilder("text_encoder");
        String ids = g.longInput(IDS, B, len);
        String mask = g.floatInput(TEXT_MASK, B, len);
        String bias = g.keyPaddingBias(mask);
        String words = g.gather(g.floats(w.get("text.embed.weight"), c.text().vocab().size(), dt), ids, 0);
        String h = g.add(words, g.floats(w.get("text.pos.weight"), len, dt));
        for (int i = 0; i < c.text().layers(); i++) {
            String l = "text.layers." + i + ".";
            String a = g.layerNorm(h, w.get(l + "norm1.weight"), w.get(l + "norm1.bias"), EPS);
            String[] qkv = g.split(g.linear(a, w.get(l + "attn.qkv.weight"), w.get(l + "attn.qkv.bias"), 3 * dt, dt), -1, 3);
            String o = g.attention(qkv[0], qkv[1], qkv[2], bias, heads, dt / heads);
            h = g.add(h, g.linear(o, w.get(l + "attn.out.weight"), w.get(l + "attn.out.bias"), dt, dt));
            String m = g.layerNorm(h, w.get(l + "norm2.weight"), w.get(l + "norm2.bias"), EPS);
            m = g.linearGeluTanh(m, w.get(l + "mlp.fc1.weight"), w.get(l + "mlp.fc1.bias"), 4 * dt, dt);
            h = g.add(h, g.linear(m, w.get(l + "mlp.fc2.weight"), w.get(l + "mlp.fc2.bias"), dt, 4 * dt));
        }
        String out = g.layerNorm(h, w.get("text.norm.weight"), w.get("text.norm.bias"), EPS);
        g.floatOutput(TEXT_STATES, out, B, len, dt);
        if (c.text().pooled()) {
            String m = g.unsqueeze(mask, 2);
            g.floatOutput(TEXT_POOLED, g.reshape(g.div(g.reduceMean(g.mul(words, m), 1), g.reduceMean(m, 1)), 0, dt), B, dt);
        }
        return g.build();
    }

    /**
     * Patch embedding (plus {@code pos_embed} of the {@link PositionFeatures} when {@code position_features > 0}),
     * sinusoidal timestep embedding, time MLP and the 6 modulation vectors. With pooled text
     * ({@code text.pooled}) the stage also takes the text encoder's {@code text_pooled} (the mean word embedding of the
     * real tokens) and adds {@code text_pool} of it to the time embedding.
     */
    public byte[] embed() {
        int d = c.hidden();
        int p = c.patchSize();
        int half = c.freqDim() / 2;
        OnnxGraphBuilder g = new OnnxGraphBuilder("embed");
        String patches = g.floatInput(PATCHES, B, N, p);
        String t = g.floatInput(T, B);
        String x = g.linear(patches, w.get("patch_embed.weight"), w.get("patch_embed.bias"), d, p);
        int k = c.positionFeatures();
        if (k > 0) {
            String features = g.floatInput(POSITION, N, PositionFeatures.width(k));
            x = g.add(x, g.matMul(features, g.transposedWeight(w.get("pos_embed.weight"), d, PositionFeatures.width(k))));
        }
        String s = g.mul(t, g.scalar(1000f));
        String args = g.mul(g.unsqueeze(s, 1), g.floats(timestepFrequencies(c.freqDim()), half));
        String emb = g.concat(1, g.cos(args), g.sin(args));
        String hidden = g.silu(g.linear(emb, w.get("time_embed.fc1.weight"), w.get("time_embed.fc1.bias"), d, c.freqDim()));
        String temb = g.linear(hidden, w.get("time_embed.fc2.weight"), w.get("time_embed.fc2.bias"), d, d);
        if (c.text().pooled()) {
            int dt = c.text().hidden();
            String pooled = g.floatInput(TEXT_POOLED, B, dt);
            temb = g.add(temb, g.linear(pooled, w.get("text_pool.weight"), w.get("text_pool.bias"), d, dt));
        }
        String e = g.reshape(g.linear(g.silu(temb), w.get("time_proj.weight"), w.get("time_proj.bias"), 6 * d, d), 0, 6, d);
        g.floatOutput(X, x, B, N, d);
        g.floatOutput(TEMB, temb, B, d);
        g.floatOutput(E, e, B, 6, d);
        return g.build();
    }

    /** Block {@code i} up to self-attention: adaLN, QKV, RMS q/k norm, 3-D RoPE, heads-first layout. */
    public byte[] blockPre(int i) {
        int d = c.hidden();
        int heads = c.heads();
        int hd = c.headDim();
        String b = "blocks." + i + ".";
        OnnxGraphBuilder g = new OnnxGraphBuilder("block" + i + "_pre", precision);
        String x = g.floatInput(X, B, N, d);
        String e = g.floatInput(E, B, 6, d);
        String cos = g.reshape(g.floatInput(ROPE_COS, N, hd / 2), -1, 1, hd / 2, 1);
        String sin = g.reshape(g.floatInput(ROPE_SIN, N, hd / 2), -1, 1, hd / 2, 1);
        String[] m = modulation(g, e, b);
        String h = g.add(g.mul(g.layerNorm(x, d, EPS), g.add(m[1], g.scalar(1f))), m[0]);
        String[] qkv = g.split(g.linear(h, w.get(b + "attn.qkv.weight"), w.get(b + "attn.qkv.bias"), 3 * d, d), -1, 3);
        String q = g.rmsNorm(g.reshape(qkv[0], 0, 0, heads, hd), w.get(b + "attn.norm_q.weight"), EPS);
        String k = g.rmsNorm(g.reshape(qkv[1], 0, 0, heads, hd), w.get(b + "attn.norm_k.weight"), EPS);
        q = rope(g, q, cos, sin, heads, hd);
        k = rope(g, k, cos, sin, heads, hd);
        String v = g.reshape(qkv[2], 0, 0, heads, hd);
        g.floatOutput(Q, g.transpose(q, 0, 2, 1, 3), B, heads, N, hd);
        g.floatOutput(K, g.transpose(k, 0, 2, 1, 3), B, heads, N, hd);
        g.floatOutput(V, g.transpose(v, 0, 2, 1, 3), B, heads, N, hd);
        return g.build();
    }

    /** Block {@code i} after self-attention: out projection and gate, cross-attention to text, gated FFN. */
    public byte[] blockPost(int i) {
        int d = c.hidden();
        int dt = c.text().hidden();
        int heads = c.heads();
        int hd = c.headDim();
        int len = c.text().maxTokens();
        String b = "blocks." + i + ".";
        OnnxGraphBuilder g = new OnnxGraphBuilder("block" + i + "_post", precision);
        String x = g.floatInput(X, B, N, d);
        String attn = g.floatInput(ATTN, B, heads, N, hd);
        String e = g.floatInput(E, B, 6, d);
        String text = g.floatInput(TEXT_STATES, B, len, dt);
        String mask = g.floatInput(TEXT_MASK, B, len);
        String[] m = modulation(g, e, b);
        String o = g.reshape(g.transpose(attn, 0, 2, 1, 3), 0, 0, d);
        x = g.add(x, g.mul(m[2], g.linear(o, w.get(b + "attn.out.weight"), w.get(b + "attn.out.bias"), d, d)));
        String cq = g.linear(g.layerNorm(x, w.get(b + "cross.norm.weight"), w.get(b + "cross.norm.bias"), EPS),
                w.get(b + "cross.q.weight"), w.get(b + "cross.q.bias"), d, d);
        String[] kv = g.split(g.linear(text, w.get(b + "cross.kv.weight"), w.get(b + "cross.kv.bias"), 2 * d, dt), -1, 2);
        String co = g.attention(cq, kv[0], kv[1], g.keyPaddingBias(mask), heads, hd);
        x = g.add(x, g.linear(co, w.get(b + "cross.out.weight"), w.get(b + "cross.out.bias"), d, d));
        String f = g.add(g.mul(g.layerNorm(x, d, EPS), g.add(m[4], g.scalar(1f))), m[3]);
        f = g.linearGeluTanh(f, w.get(b + "mlp.fc1.weight"), w.get(b + "mlp.fc1.bias"), c.mlpHidden(), d);
        f = g.linear(f, w.get(b + "mlp.fc2.weight"), w.get(b + "mlp.fc2.bias"), d, c.mlpHidden());
        x = g.add(x, g.mul(m[5], f));
        g.floatOutput(X_OUT, x, B, N, d);
        return g.build();
    }

    /** Final adaLN (shift, scale = head.modulation rows + temb) and the linear head to patch velocities. */
    public byte[] head() {
        int d = c.hidden();
        int p = c.patchSize();
        OnnxGraphBuilder g = new OnnxGraphBuilder("head");
        String x = g.floatInput(X, B, N, d);
        String temb = g.unsqueeze(g.floatInput(TEMB, B, d), 1);
        float[] mod = w.get("head.modulation");
        String shift = g.add(temb, g.floats(Arrays.copyOfRange(mod, 0, d), d));
        String scale = g.add(temb, g.floats(Arrays.copyOfRange(mod, d, 2 * d), d));
        String h = g.add(g.mul(g.layerNorm(x, d, EPS), g.add(scale, g.scalar(1f))), shift);
        g.floatOutput(VELOCITY, g.linear(h, w.get("head.linear.weight"), w.get("head.linear.bias"), p, d), B, N, p);
        return g.build();
    }

    /** {@code f_j = exp(−ln(10000)·j/half)} for j &lt; half, rounded to float (the graph multiplies in fp32). */
    public static float[] timestepFrequencies(int freqDim) {
        int half = freqDim / 2;
        float[] f = new float[half];
        for (int j = 0; j < half; j++) f[j] = (float) Math.exp(-Math.log(10000.0) * j / half);
        return f;
    }

    /** {@code e + blocks.i.modulation} split into shift1, scale1, gate1, shift2, scale2, gate2, each [B,1,d]. */
    private String[] modulation(OnnxGraphBuilder g, String e, String block) {
        String m = g.add(e, g.floats(w.get(block + "modulation"), 6, c.hidden()));
        return g.split(m, 1, 6);
    }

    /**
     * 3-D RoPE on {@code x [B,N,heads,hd]}: pair p = (x[2p], x[2p+1]) → (x0·cos − x1·sin, x0·sin + x1·cos) with the
     * angle of pair p of the token, from the {@code [N,1,hd/2,1]} tables.
     */
    private static String rope(OnnxGraphBuilder g, String x, String cos, String sin, int heads, int hd) {
        String pairs = g.reshape(x, 0, 0, heads, hd / 2, 2);
        String[] xs = g.split(pairs, -1, 2);
        String y0 = g.sub(g.mul(xs[0], cos), g.mul(xs[1], sin));
        String y1 = g.add(g.mul(xs[0], sin), g.mul(xs[1], cos));
        return g.reshape(g.concat(-1, y0, y1), 0, 0, heads, hd);
    }
}
