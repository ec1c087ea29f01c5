package io.tilewise.attention.piecewise;

import io.tilewise.attention.blocksparse.TileSummaries;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * PISA's pre-pass over one head (docs/methods.md §5.1), from fp32 rows ({@code seqLen × headDim}, row-major): per
 * block the mean query, mean key and value sum, the Frobenius norm of {@code H_j = Σ_t (k_t − k̄_j) v_tᵀ} and
 * the global {@code H = Σ_j H_j}. Means and sums are kept in double so the block choice matches the fp64
 * reference up to genuine near-ties; the O(T·D²) parts (H, q·H) are register-blocked fp32 products ({@link BlockProduct}).
 */
final class BlockStatistics {

    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

    final int seqLen;
    final int headDim;
    final int block;
    final int blocks;
    /** Mean query per block, {@code blocks × headDim}. */
    final double[] queryMeans;
    /** Mean key per block, {@code blocks × headDim}. */
    final double[] keyMeans;
    /** Value sum per block, {@code blocks × headDim}. */
    final double[] valueSums;
    /** {@code ‖H_j‖_F} per block; null when not asked for. */
    final double[] hNorms;
    /** Global H, {@code headDim × headDim} row-major (row = key dimension); null when not asked for. */
    final float[] h;

    private BlockStatistics(int seqLen, int headDim, int block, boolean norms, boolean global) {
        this.seqLen = seqLen;
        this.headDim = headDim;
        this.block = block;
        this.blocks = (seqLen + block - 1) / block;
        this.queryMeans = new double[blocks * headDim];
        this.keyMeans = new double[blocks * headDim];
        this.valueSums = new double[blocks * headDim];
        this.hNorms = norms ? new double[blocks] : null;
        this.h = global ? new float[headDim * headDim] : null;
    }

    /**
     * @param norms  compute {@code ‖H_j‖_F} (the block-score bias)
     * @param global compute the global H (the first-order term)
     */
    static BlockStatistics of(float[] q, float[] k, float[] v, int seqLen, int headDim, int block, boolean norms,
                              boolean global) {
        BlockStatistics s = new BlockStatistics(seqLen, headDim, block, norms, global);
        s.sums(q, s.queryMeans, true);
        s.sums(k, s.keyMeans, true);
        s.sums(v, s.valueSums, false);
        if (norms || global) s.secondMoments(k, v);
        return s;
    }

    int blockStart(int j) {
        return j * block;
    }

    int blockSize(int j) {
        return Math.min(block, seqLen - j * block);
    }

    /**
     * Block scores {@code σ_{a,j} = τ·q̄_a·k̄_j (+ log(‖H_j‖_F + 1e-5))}, {@code blocks × blocks} row-major.
     */
    double[] scores(float scale, boolean bias) {
        int n = blocks;
        int d = headDim;
        double tau = scale;
        double[] scores = new double[n * n];
        double[] logNorms = new double[n];
        if (bias) {
            for (int j = 0; j < n; j++) logNorms[j] = Math.log(hNorms[j] + 1e-5);
        }
        // Vectorised across key blocks j, keys transposed (dimension-major): each score still sums its products in
        // dimension order, multiply then add, so the bits equal the plain loop's. O(blocks²·D): 512 blocks at 32k
        // tokens made this the largest part of the pre-pass.
        double[] keysByDim = new double[d * n];
        for (int j = 0; j < n; j++) {
            for (int x = 0; x < d; x++) keysByDim[x * n + j] = keyMeans[j * d + x];
        }
        int lanes = DOUBLES.length();
        int bound = DOUBLES.loopBound(n);
        for (int a = 0; a < n; a++) {
            int q0 = a * d;
            int j = 0;
            for (; j < bound; j += lanes) {
                DoubleVector dot = DoubleVector.zero(DOUBLES);
                for (int x = 0; x < d; x++) {
                    dot = dot.add(DoubleVector.fromArray(DOUBLES, keysByDim, x * n + j).mul(queryMeans[q0 + x]));
                }
                dot.mul(tau).add(DoubleVector.fromArray(DOUBLES, logNorms, j)).intoArray(scores, a * n + j);
            }
            for (; j < n; j++) {
                double dot = 0;
                for (int x = 0; x < d; x++) dot += queryMeans[q0 + x] * keysByDim[x * n + j];
                scores[a * n + j] = tau * dot + logNorms[j];
            }
        }
        return scores;
    }

    /**
     * The executor's summaries: mean key, mean value and {@code ln n_j} per block, so one summary key contributes
     * {@code e^{ŝ}·Σv_j} to the numerator and {@code n_j·e^{ŝ}} to the denominator; plus the first-order rows.
     */
    TileSummaries summaries(float[] firstOrder) {
        int d = headDim;
        float[] keys = new float[blocks * d];
        float[] values = new float[blocks * d];
        float[] logCounts = new float[blocks];
        for (int j = 0; j < blocks; j++) {
            int n = blockSize(j);
            logCounts[j] = (float) Math.log(n);
            for (int x = 0; x < d; x++) {
                keys[j * d + x] = (float) keyMeans[j * d + x];
                values[j * d + x] = (float) (valueSums[j * d + x] / n);
            }
        }
        return new TileSummaries(keys, values, logCounts, firstOrder);
    }

    /**
     * Rows {@code [from, to)} of the first-order term {@code τ·q_iᵀH / T} into {@code out} (same row layout as
     * q); the executor multiplies them by the row's approximated mass {@code g_i}.
     */
    void firstOrder(float[] q, float scale, int from, int to, float[] out) {
        int d = headDim;
        BlockProduct.multiply(q, from * d, d, 1, to - from, d, h, 0, d, out, from * d, scale / seqLen);
    }

    /**
     * Σ x² in double over {@code values} ({@code headDim²} floats), in four interleaved partial
     * sums: one running sum is a chain of dependent adds (~4 cycles each), which at 122 blocks × 12 heads × 16,384
     * terms (Wan2.1's shape) cost more than the H_j product it follows.
     */
    private static double sumOfSquares(float[] values) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int n = values.length;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            double x0 = values[i], x1 = values[i + 1], x2 = values[i + 2], x3 = values[i + 3];
            s0 += x0 * x0;
            s1 += x1 * x1;
            s2 += x2 * x2;
            s3 += x3 * x3;
        }
        for (; i < n; i++) s0 += (double) values[i] * values[i];
        return (s0 + s1) + (s2 + s3);
    }

    /** Sums (or means) of every block's rows, in double, rows in order. */
    private void sums(float[] rows, double[] into, boolean mean) {
        int d = headDim;
        for (int j = 0; j < blocks; j++) {
            int start = blockStart(j);
            int n = blockSize(j);
            for (int t = start; t < start + n; t++) {
                for (int x = 0; x < d; x++) into[j * d + x] += rows[t * d + x];
            }
            if (mean) {
                for (int x = 0; x < d; x++) into[j * d + x] /= n;
            }
        }
    }

    /** H_j per block in an fp32 scratch (its norm), summed in double into the global H. */
    private void secondMoments(float[] k, float[] v) {
        int d = headDim;
        float[] hj = new float[d * d];
        float[] centred = new float[block * d];
        double[] global = h == null ? null : new double[d * d];
        for (int j = 0; j < blocks; j++) {
            int start = blockStart(j);
            int n = blockSize(j);
            for (int t = 0; t < n; t++) {
                for (int x = 0; x < d; x++) centred[t * d + x] = (float) (k[(start + t) * d + x] - keyMeans[j * d + x]);
            }
            // H_j[x][e] = Σ_t centred[t][x]·v[t][e]: the centred block transposed (row x = column x) times V_j.
            BlockProduct.multiply(centred, 0, 1, d, d, n, v, start * d, d, hj, 0, 1f);
            if (hNorms != null) hNorms[j] = Math.sqrt(sumOfSquares(hj));
            if (global != null) {
                for (int x = 0; x < d * d; x++) global[x] += hj[x];
            }
        }
        if (global != null) {
            for (int x = 0; x < d * d; x++) h[x] = (float) global[x];
        }
    }
}
