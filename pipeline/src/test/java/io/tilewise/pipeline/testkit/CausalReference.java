package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.TokenGrid;

/**
 * The block-causal model written out from the contract with {@link ReferenceModel}'s pieces: frames in chunks, each
 * chunk with its own flow time (its own adaLN modulation) and its own RoPE frame offset, self-attention chunk-causal
 * (a chunk's queries see its own keys and those of at most {@code window} earlier chunks). One CFG branch per call.
 */
public final class CausalReference {

    private final ReferenceModel ref;
    private final int heads;
    private final int headDim;
    private final int blocks;

    public CausalReference(ReferenceModel ref, int heads, int headDim, int blocks) {
        this.ref = ref;
        this.heads = heads;
        this.headDim = headDim;
        this.blocks = blocks;
    }

    /**
     * Velocity {@code [chunks·Nc, P]} of every chunk. {@code patches} holds the chunks in order ({@code Nc·P} each),
     * {@code t} one time per chunk, {@code text}/{@code mask} one branch's text states.
     */
    public double[] velocity(double[] patches, double[] t, double[] text, double[] mask, double[] pooled, TokenGrid chunk, int window,
                             int patchSize) {
        int chunks = t.length;
        int n = chunk.volume();
        int frames = chunk.frames();
        ReferenceModel.Embedded[] emb = new ReferenceModel.Embedded[chunks];
        double[][] x = new double[chunks][];
        for (int c = 0; c < chunks; c++) {
            double[] part = java.util.Arrays.copyOfRange(patches, c * n * patchSize, (c + 1) * n * patchSize);
            emb[c] = ref.embed(part, new double[] {t[c]}, pooled, chunk, c * frames, chunks * frames, 1);
            x[c] = emb[c].x();
        }
        for (int block = 0; block < blocks; block++) {
            ReferenceModel.Qkv[] qkv = new ReferenceModel.Qkv[chunks];
            for (int c = 0; c < chunks; c++) qkv[c] = ref.pre(block, x[c], emb[c].e(), chunk, 1, c * frames);
            for (int c = 0; c < chunks; c++) {
                double[] attn = attention(qkv, c, Math.max(0, c - window), n);
                x[c] = ref.post(block, x[c], attn, emb[c].e(), text, mask, 1, n);
            }
        }
        double[] out = new double[chunks * n * patchSize];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(ref.head(x[c], emb[c].temb(), 1, n), 0, out, c * n * patchSize, n * patchSize);
        }
        return out;
    }

    /** Queries of chunk {@code c} against the keys of chunks {@code first..c}, {@code [heads, Nc, hd]}. */
    private double[] attention(ReferenceModel.Qkv[] qkv, int c, int first, int n) {
        double[] o = new double[heads * n * headDim];
        int keys = (c - first + 1) * n;
        double[] s = new double[keys];
        double scale = 1 / Math.sqrt(headDim);
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    double[] k = qkv[first + j / n].k();
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) dot += qkv[c].q()[(h * n + i) * headDim + d] * k[(h * n + j % n) * headDim + d];
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < keys; j++) sum += s[j] = Math.exp(s[j] - max);
                for (int j = 0; j < keys; j++) {
                    double[] v = qkv[first + j / n].v();
                    for (int d = 0; d < headDim; d++) o[(h * n + i) * headDim + d] += s[j] / sum * v[(h * n + j % n) * headDim + d];
                }
            }
        }
        return o;
    }
}
