package io.tilewise.wan.transformer;

import io.tilewise.pipeline.onnx.OnnxGraphBuilder;
import io.tilewise.pipeline.onnx.StagePrecision;

import java.util.Arrays;
import java.util.List;

import static io.tilewise.wan.transformer.WanTensorNames.HEAD_TABLE;
import static io.tilewise.wan.transformer.WanTensorNames.PATCH_BIAS;
import static io.tilewise.wan.transformer.WanTensorNames.PATCH_WEIGHT;
import static io.tilewise.wan.transformer.WanTensorNames.PROJ_OUT;
import static io.tilewise.wan.transformer.WanTensorNames.TEXT_1;
import static io.tilewise.wan.transformer.WanTensorNames.TEXT_2;
import static io.tilewise.wan.transformer.WanTensorNames.TIME_1;
import static io.tilewise.wan.transformer.WanTensorNames.TIME_2;
import static io.tilewise.wan.transformer.WanTensorNames.TIME_PROJ;

/**
 * The ONNX stage graphs of diffusers' {@code WanTransformer3DModel} (text-to-video), weights as initializers, split
 * at self-attention. Batch, token count and text length are symbolic, so one set of sessions serves every grid.
 *
 * <pre>
 *  patch      patches [B,N,C·pt·ph·pw]                       → x [B,N,d]           (Conv3d with stride = kernel)
 *  condition  t_freq [B,freq]                                → temb [B,d], e [B,6,d]
 *  text       text [B,L,text_dim]                            → ctx [B,L,d]
 *  block i text  ctx                                         → ck, cv [B,L,d]
 *  block i pre   x, e, rope_cos, rope_sin [N,hd/2]           → q, k, v [B,heads,N,hd]
 *     (our attention: softmax(q·kᵀ/sqrt(hd))·v)
 *  block i post  x, attn [B,heads,N,hd], e, ck_i, cv_i       → x_out [B,N,d]
 *  head       x, temb                                        → out [B,N,C_out·pt·ph·pw]
 * </pre>
 *
 * The arithmetic of diffusers, in fp32: {@code temb = linear_2(silu(linear_1(t_freq)))}, {@code e = time_proj(silu(temb))}
 * as 6 rows (shift, scale, gate of self-attention; shift, scale, gate of the FFN) added to the block's
 * {@code scale_shift_table}; text through {@code linear_2(gelu_tanh(linear_1(text)))}. Block: LN without affine,
 * {@code ·(1+scale)+shift}; q, k RMS-normed across all heads (weight over the full width) before RoPE; gated
 * residual; affine LN ({@code norm2}) → cross-attention (q and k RMS-normed, no RoPE, no mask) → plain residual; LN,
 * modulation, FFN with tanh-GELU, gated residual. Head: LN, {@code ·(1+scale)+shift} with (shift, scale) =
 * {@code scale_shift_table + temb}, {@code proj_out}. The sinusoid {@code t_freq} and the RoPE tables are computed in
 * Java ({@link WanTimestep}, {@link WanRope}). The text graphs hold what depends only on the text states (the text
 * embedder and each block's cross-attention keys and values), so a generation runs them once, not once per step.
 */
public final class WanStageGraphs {

    public static final String PATCHES = "patches";
    public static final String T_FREQ = "t_freq";
    public static final String TEXT = "text";
    public static final String X = "x";
    public static final String TEMB = "temb";
    public static final String E = "e";
    public static final String CTX = "ctx";
    public static final String CK = "ck";
    public static final String CV = "cv";
    public static final String ROPE_COS = "rope_cos";
    public static final String ROPE_SIN = "rope_sin";
    public static final String Q = "q";
    public static final String K = "k";
    public static final String V = "v";
    public static final String ATTN = "attn";
    public static final String X_OUT = "x_out";
    public static final String OUT = "out";

    private static final String B = "batch";
    private static final String N = "tokens";
    private static final String L = "text_tokens";

    /**
     * Token runs per block stage. The per-token work of a stage (projections, norms, RoPE, cross-attention, FFN) runs
     * run by run, so ORT's planner reuses each run's intermediates for the next: at 7,800 tokens the FFN's hidden
     * {@code [N, 8960]} (280 MB, three times: MatMul, FastGelu's scratch and output) and the cross-attention scores
     * {@code [heads, N, L]} (192 MB) shrink to a run's share. Without an arena every fresh buffer is page-faulted in
     * anew each run. Measured with {@code WanStageProfile} on a 1.3B block at 7,800 tokens (2 threads, shared
     * machine; process CPU seconds per pre + post, median of 3): 9.44 s in one run, 7.45 s in 8, 7.41 s in 16 (4: 8.52
     * s against 9.19 s in another session), wall 4.60 s → 3.81 s in the quiet rounds. 8 keeps each run's
     * MatMuls large (M ≈ 1,000 rows at 480p, 4,000 at 81 frames).
     */
    public static final int TOKEN_CHUNKS = 8;

    private final WanConfig c;
    private final WanCheckpoint w;
    private final int chunks;
    private final StagePrecision precision;

    public WanStageGraphs(WanCheckpoint weights) {
        this(weights, TOKEN_CHUNKS, StagePrecision.FP32);
    }

    /** With {@code tokenChunks} runs per block stage (1: the whole token axis at once; for comparisons). */
    public WanStageGraphs(WanCheckpoint weights, int tokenChunks) {
        this(weights, tokenChunks, StagePrecision.FP32);
    }

    /**
     * @param precision of the blocks' weight products (the projections, cross-attention and FFN: nearly all the
     *                  stages' work); the patch, condition, text-embedding and head stages stay fp32
     */
    public WanStageGraphs(WanCheckpoint weights, int tokenChunks, StagePrecision precision) {
        if (tokenChunks < 1) throw new IllegalArgumentException("tokenChunks " + tokenChunks + " must be >= 1");
        this.w = weights;
        this.c = weights.config();
        this.chunks = tokenChunks;
        this.precision = precision;
    }

    /** The Conv3d patch embedding as a linear map of flattened {@code (c, pt, ph, pw)} patches. */
    public byte[] patch() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("patch");
        String patches = g.floatInput(PATCHES, B, N, c.patchIn());
        String x = g.linear(patches, w.floats(PATCH_WEIGHT), w.floats(PATCH_BIAS), c.dim(), c.patchIn());
        g.floatOutput(X, x, B, N, c.dim());
        return g.build();
    }

    /** Timestep embedder and its 6·d projection. */
    public byte[] condition() {
        int d = c.dim();
        OnnxGraphBuilder g = new OnnxGraphBuilder("condition");
        String tFreq = g.floatInput(T_FREQ, B, c.freqDim());
        String h = g.silu(linear(g, tFreq, TIME_1, d, c.freqDim()));
        String temb = linear(g, h, TIME_2, d, d);
        String e = g.reshape(linear(g, g.silu(temb), TIME_PROJ, 6 * d, d), 0, 6, d);
        g.floatOutput(TEMB, temb, B, d);
        g.floatOutput(E, e, B, 6, d);
        return g.build();
    }

    /** The text embedder. */
    public byte[] text() {
        int d = c.dim();
        OnnxGraphBuilder g = new OnnxGraphBuilder("text");
        String text = g.floatInput(TEXT, B, L, c.textDim());
        String ctx = g.linearGeluTanh(text, w.floats(TEXT_1 + ".weight"), w.floats(TEXT_1 + ".bias"), d, c.textDim());
        g.floatOutput(CTX, linear(g, ctx, TEXT_2, d, d), B, L, d);
        return g.build();
    }

    /**
     * Block {@code i}'s cross-attention keys (RMS-normed) and values of the embedded text. One graph per block, not
     * one for all: a session's build holds its weights about three times over for a moment.
     */
    public byte[] blockText(int i) {
        int d = c.dim();
        String b = WanTensorNames.block(i);
        OnnxGraphBuilder g = new OnnxGraphBuilder("block" + i + "_text", precision);
        String ctx = g.floatInput(CTX, B, L, d);
        String ck = g.rmsNorm(linear(g, ctx, b + "attn2.to_k", d, d), w.floats(b + "attn2.norm_k.weight"), c.eps());
        g.floatOutput(CK, ck, B, L, d);
        g.floatOutput(CV, linear(g, ctx, b + "attn2.to_v", d, d), B, L, d);
        return g.build();
    }

    /** Block {@code i} up to self-attention: LN + modulation, q/k/v, RMS norm across heads, 3-D RoPE, heads first. */
    public byte[] blockPre(int i) {
        int d = c.dim();
        int heads = c.heads();
        int hd = c.headDim();
        String b = WanTensorNames.block(i);
        OnnxGraphBuilder g = new OnnxGraphBuilder("block" + i + "_pre", precision);
        String x = g.floatInput(X, B, N, d);
        String e = g.floatInput(E, B, 6, d);
        // [1, N, 1, hd/2, 1]: broadcasts over batch, heads and the pair, and is cut along the tokens like x
        String cos = g.reshape(g.floatInput(ROPE_COS, N, hd / 2), 1, -1, 1, hd / 2, 1);
        String sin = g.reshape(g.floatInput(ROPE_SIN, N, hd / 2), 1, -1, 1, hd / 2, 1);
        String[] m = modulation(g, e, b);
        Linear toQ = linear(g, b + "attn1.to_q", d, d);
        Linear toK = linear(g, b + "attn1.to_k", d, d);
        Linear toV = linear(g, b + "attn1.to_v", d, d);
        String normQ = g.floats(w.floats(b + "attn1.norm_q.weight"), d);
        String normK = g.floats(w.floats(b + "attn1.norm_k.weight"), d);
        String onePlusScale = g.add(m[1], g.scalar(1f));
        String[] xs = tokenRuns(g, x);
        String[] coss = tokenRuns(g, cos);
        String[] sins = tokenRuns(g, sin);
        String[] qs = new String[chunks];
        String[] ks = new String[chunks];
        String[] vs = new String[chunks];
        for (int r = 0; r < chunks; r++) {
            String h = g.add(g.mul(g.layerNorm(xs[r], d, c.eps()), onePlusScale), m[0]);
            qs[r] = rope(g, rmsNorm(g, toQ.apply(g, h), normQ), coss[r], sins[r], heads, hd);
            ks[r] = rope(g, rmsNorm(g, toK.apply(g, h), normK), coss[r], sins[r], heads, hd);
            vs[r] = toV.apply(g, h);
        }
        String q = joined(g, qs);
        String k = joined(g, ks);
        String v = g.reshape(joined(g, vs), 0, 0, heads, hd);
        g.floatOutput(Q, g.transpose(q, 0, 2, 1, 3), B, heads, N, hd);
        g.floatOutput(K, g.transpose(k, 0, 2, 1, 3), B, heads, N, hd);
        g.floatOutput(V, g.transpose(v, 0, 2, 1, 3), B, heads, N, hd);
        return g.build();
    }

    /** Block {@code i} after self-attention: output projection and gate, cross-attention to the text's keys and values, gated FFN. */
    public byte[] blockPost(int i) {
        int d = c.dim();
        int heads = c.heads();
        int hd = c.headDim();
        String b = WanTensorNames.block(i);
        OnnxGraphBuilder g = new OnnxGraphBuilder("block" + i + "_post", precision);
        String x = g.floatInput(X, B, N, d);
        String attn = g.floatInput(ATTN, B, heads, N, hd);
        String e = g.floatInput(E, B, 6, d);
        String ck = g.floatInput(CK, B, L, d);
        String cv = g.floatInput(CV, B, L, d);
        String[] m = modulation(g, e, b);
        Linear toOut = linear(g, b + "attn1.to_out.0", d, d);
        Linear crossQ = linear(g, b + "attn2.to_q", d, d);
        Linear crossOut = linear(g, b + "attn2.to_out.0", d, d);
        Linear ffnOut = linear(g, b + "ffn.net.2", d, c.ffnDim());
        OnnxGraphBuilder.Weight ffnInW = g.weight(w.floats(b + "ffn.net.0.proj.weight"), c.ffnDim(), d);
        String ffnInB = g.floats(w.floats(b + "ffn.net.0.proj.bias"), c.ffnDim());
        String crossNormQ = g.floats(w.floats(b + "attn2.norm_q.weight"), d);
        String norm2W = c.crossAttnNorm() ? g.floats(w.floats(b + "norm2.weight"), d) : null;
        String norm2B = c.crossAttnNorm() ? g.floats(w.floats(b + "norm2.bias"), d) : null;
        String onePlusScale = g.add(m[4], g.scalar(1f));
        String o = g.reshape(g.transpose(attn, 0, 2, 1, 3), 0, 0, d);
        String[] xs = tokenRuns(g, x);
        String[] os = tokenRuns(g, o);
        String[] outs = new String[chunks];
        for (int r = 0; r < chunks; r++) {
            String y = g.add(xs[r], g.mul(toOut.apply(g, os[r]), m[2]));
            String n = norm2W != null ? g.add(rmsNorm(g, centered(g, y), norm2W), norm2B) : y;
            String cq = rmsNorm(g, crossQ.apply(g, n), crossNormQ);
            y = g.add(y, crossOut.apply(g, g.attention(cq, ck, cv, null, heads, hd)));
            String f = g.add(g.mul(g.layerNorm(y, d, c.eps()), onePlusScale), m[3]);
            f = g.msOp("FastGelu", List.of(g.product(f, ffnInW), ffnInB));
            outs[r] = g.add(y, g.mul(ffnOut.apply(g, f), m[5]));
        }
        g.floatOutput(X_OUT, joined(g, outs), B, N, d);
        return g.build();
    }

    /** Output norm with (shift, scale) = {@code scale_shift_table + temb}, then {@code proj_out}. */
    public byte[] head() {
        int d = c.dim();
        OnnxGraphBuilder g = new OnnxGraphBuilder("head");
        String x = g.floatInput(X, B, N, d);
        String temb = g.unsqueeze(g.floatInput(TEMB, B, d), 1);
        float[] table = w.floats(HEAD_TABLE);
        String shift = g.add(temb, g.floats(Arrays.copyOfRange(table, 0, d), d));
        String scale = g.add(temb, g.floats(Arrays.copyOfRange(table, d, 2 * d), d));
        String h = g.add(g.mul(g.layerNorm(x, d, c.eps()), g.add(scale, g.scalar(1f))), shift);
        g.floatOutput(OUT, linear(g, h, PROJ_OUT, c.patchOut(), d), B, N, c.patchOut());
        return g.build();
    }

    private String linear(OnnxGraphBuilder g, String x, String name, int out, int in) {
        return g.linear(x, w.floats(name + ".weight"), w.floats(name + ".bias"), out, in);
    }

    /** A Linear's initializers, added once and applied to every token run. */
    private Linear linear(OnnxGraphBuilder g, String name, int out, int in) {
        return new Linear(g.weight(w.floats(name + ".weight"), out, in), g.floats(w.floats(name + ".bias"), out));
    }

    private record Linear(OnnxGraphBuilder.Weight weight, String bias) {
        String apply(OnnxGraphBuilder g, String x) {
            return g.add(g.product(x, weight), bias);
        }
    }

    /** {@code x / sqrt(mean(x², last axis) + eps) · weight}, as {@link OnnxGraphBuilder#rmsNorm} with a shared weight. */
    private String rmsNorm(OnnxGraphBuilder g, String x, String weight) {
        String meanSquare = g.reduceMean(g.op("Pow", List.of(x, g.scalar(2f))), -1);
        return g.mul(g.div(x, g.sqrt(g.add(meanSquare, g.scalar(c.eps())))), weight);
    }

    private static String centered(OnnxGraphBuilder g, String x) {
        return g.sub(x, g.reduceMean(x, -1));
    }

    /**
     * {@code x [B, N, …]} (or {@code [1, N, …]}) cut along axis 1 into {@link #chunks} runs {@code [N·r/k, N·(r+1)/k)},
     * bounds computed from the runtime token count; runs are empty when {@code N < k}.
     */
    private String[] tokenRuns(OnnxGraphBuilder g, String x) {
        if (chunks == 1) return new String[] {x};
        String n = g.op("Shape", List.of(x), OnnxGraphBuilder.integer("start", 1), OnnxGraphBuilder.integer("end", 2));
        String k = g.longs(chunks);
        String axis = g.longs(1);
        String[] runs = new String[chunks];
        String start = g.longs(0);
        for (int r = 0; r < chunks; r++) {
            String end = r == chunks - 1 ? n : g.div(g.mul(n, g.longs(r + 1)), k);
            runs[r] = g.op("Slice", List.of(x, start, end, axis));
            start = end;
        }
        return runs;
    }

    /** The token runs back along axis 1. */
    private String joined(OnnxGraphBuilder g, String[] runs) {
        return runs.length == 1 ? runs[0] : g.concat(1, runs);
    }

    /** {@code e + scale_shift_table} split into its 6 rows, each {@code [B,1,d]}. */
    private String[] modulation(OnnxGraphBuilder g, String e, String block) {
        String m = g.add(e, g.floats(w.floats(block + "scale_shift_table"), 6, c.dim()));
        return g.split(m, 1, 6);
    }

    /**
     * RoPE on {@code x [B,N,d]} viewed as {@code [B,N,heads,hd/2,2]}: pair (x0, x1) → (x0·cos − x1·sin, x0·sin + x1·cos)
     * with the pair's angle from the {@code [1,N,1,hd/2,1]} tables; back to {@code [B,N,heads,hd]}.
     */
    private static String rope(OnnxGraphBuilder g, String x, String cos, String sin, int heads, int hd) {
        String[] xs = g.split(g.reshape(x, 0, 0, heads, hd / 2, 2), -1, 2);
        String y0 = g.sub(g.mul(xs[0], cos), g.mul(xs[1], sin));
        String y1 = g.add(g.mul(xs[0], sin), g.mul(xs[1], cos));
        return g.reshape(g.concat(-1, y0, y1), 0, 0, heads, hd);
    }
}
