package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.tensor.Tensor;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The oracle of PISA (docs/methods.md §5.1) in double precision, one head and one query row at a time, sharing no
 * code with the kernel: block statistics, block scores, top-k by a plain sort (score descending, then block
 * index ascending), and per query row
 * {@code o_i = (exact_num + zeroth_num + first_order) / (exact_den + g_i)} with
 * {@code g_i = Σ_{j∉S} n_j e^{ŝ_ij}}, {@code ŝ_ij = τ·q_i·k̄_j}, first order {@code (g_i/T)·τ·q_iᵀH}.
 * With keep-or-drop the non-selected blocks contribute nothing. Slow by design.
 */
public final class PisaReference {

    private PisaReference() {
    }

    /**
     * PISA attention of every batch and head on a 1-D sequence (no tiling); {@code lse} (may be null) gets
     * {@code log(exact_den + g_i)}.
     */
    public static void forward(Tensor q, Tensor k, Tensor v, float scale, PisaSpec spec, Tensor out, Tensor lse) {
        forward(q, k, v, TokenLayout.sequence(q.seqLen()), scale, spec, out, lse);
    }

    /**
     * PISA attention on {@code layout}: each head's rows are put in the spec's tile order ({@link PisaTiling}),
     * attended there, and the output rows put back.
     */
    public static void forward(Tensor q, Tensor k, Tensor v, TokenLayout layout, float scale, PisaSpec spec, Tensor out, Tensor lse) {
        q.requireSameShape(k, "k");
        q.requireSameShape(v, "v");
        q.requireSameShape(out, "out");
        int heads = q.heads();
        int seqLen = q.seqLen();
        int headDim = q.headDim();
        if (layout.seqLen() != seqLen) throw new IllegalArgumentException("layout has " + layout.seqLen() + " tokens, q has " + seqLen);
        int[] tiled = spec.order(layout);
        int[] order = tiled != null ? tiled : IntStream.range(0, seqLen).toArray();
        IntStream.range(0, q.batch() * heads).parallel().forEach(bh -> {
            int b = bh / heads;
            int h = bh % heads;
            float[] qh = permuted(q, b, h, order);
            float[] kh = permuted(k, b, h, order);
            float[] vh = permuted(v, b, h, order);
            float[] oh = new float[seqLen * headDim];
            float[] lh = new float[seqLen];
            head(qh, kh, vh, seqLen, headDim, scale, spec, oh, lh);
            float[] back = new float[seqLen * headDim];
            for (int p = 0; p < seqLen; p++) System.arraycopy(oh, p * headDim, back, order[p] * headDim, headDim);
            out.copyRowsFrom(b, h, 0, seqLen, back, 0);
            if (lse != null) {
                for (int p = 0; p < seqLen; p++) lse.set(b, h, order[p], 0, lh[p]);
            }
        });
    }

    /** Rows of head (b, h) with row {@code p} taken from layout row {@code order[p]}. */
    private static float[] permuted(Tensor t, int b, int h, int[] order) {
        int d = t.headDim();
        float[] rows = new float[t.seqLen() * d];
        t.copyHeadTo(b, h, rows, 0);
        float[] out = new float[rows.length];
        for (int p = 0; p < order.length; p++) System.arraycopy(rows, order[p] * d, out, p * d, d);
        return out;
    }

    /** The selected key blocks of every query block of one head, each ascending. */
    public static int[][] selection(float[] q, float[] k, float[] v, int seqLen, int headDim, float scale, PisaSpec spec) {
        return new Head(q, k, v, seqLen, headDim, spec.block()).select(scale, spec);
    }

    /** One head: rows of q, k, v ({@code seqLen × headDim}) → out rows and lse. */
    public static void head(float[] q, float[] k, float[] v, int seqLen, int headDim, float scale, PisaSpec spec,
                            float[] out, float[] lse) {
        Head hd = new Head(q, k, v, seqLen, headDim, spec.block());
        int[][] selected = hd.select(scale, spec);
        double tau = scale;
        int d = headDim;
        int n = hd.blocks;
        double[] num = new double[d];
        for (int a = 0; a < n; a++) {
            boolean[] exact = new boolean[n];
            for (int j : selected[a]) exact[j] = true;
            for (int i = hd.start(a); i < hd.start(a) + hd.size(a); i++) {
                // Two passes: the largest logit first (exact keys and summary logits ŝ + ln n), then sums.
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (exact[j]) {
                        for (int t = hd.start(j); t < hd.start(j) + hd.size(j); t++) max = Math.max(max, tau * dot(q, i, k, t, d));
                    } else if (!spec.keepOrDrop()) {
                        max = Math.max(max, tau * hd.dotKeyMean(q, i, j) + Math.log(hd.size(j)));
                    }
                }
                Arrays.fill(num, 0);
                double den = 0;
                double g = 0;
                for (int j = 0; j < n; j++) {
                    if (exact[j]) {
                        for (int t = hd.start(j); t < hd.start(j) + hd.size(j); t++) {
                            double w = Math.exp(tau * dot(q, i, k, t, d) - max);
                            den += w;
                            for (int x = 0; x < d; x++) num[x] += w * v[t * d + x];
                        }
                    } else if (!spec.keepOrDrop()) {
                        double w = Math.exp(tau * hd.dotKeyMean(q, i, j) - max);
                        den += hd.size(j) * w;
                        g += hd.size(j) * w;
                        for (int x = 0; x < d; x++) num[x] += w * hd.valueSums[j][x];
                    }
                }
                if (spec.firstOrder() && !spec.keepOrDrop()) {
                    for (int e = 0; e < d; e++) {
                        double qh = 0;
                        for (int x = 0; x < d; x++) qh += q[i * d + x] * hd.h[x][e];
                        num[e] += g / seqLen * tau * qh;
                    }
                }
                for (int x = 0; x < d; x++) out[i * d + x] = (float) (num[x] / den);
                lse[i] = (float) (max + Math.log(den));
            }
        }
    }

    private static double dot(float[] a, int i, float[] b, int t, int d) {
        double s = 0;
        for (int x = 0; x < d; x++) s += (double) a[i * d + x] * b[t * d + x];
        return s;
    }

    /** Block statistics of one head, all in double. */
    private static final class Head {
        final int seqLen;
        final int d;
        final int block;
        final int blocks;
        final double[][] queryMeans;
        final double[][] keyMeans;
        final double[][] valueSums;
        final double[] hNorms;
        final double[][] h;

        Head(float[] q, float[] k, float[] v, int seqLen, int d, int block) {
            this.seqLen = seqLen;
            this.d = d;
            this.block = block;
            this.blocks = (seqLen + block - 1) / block;
            queryMeans = new double[blocks][d];
            keyMeans = new double[blocks][d];
            valueSums = new double[blocks][d];
            hNorms = new double[blocks];
            h = new double[d][d];
            for (int j = 0; j < blocks; j++) {
                for (int t = start(j); t < start(j) + size(j); t++) {
                    for (int x = 0; x < d; x++) {
                        queryMeans[j][x] += q[t * d + x];
                        keyMeans[j][x] += k[t * d + x];
                        valueSums[j][x] += v[t * d + x];
                    }
                }
                for (int x = 0; x < d; x++) {
                    queryMeans[j][x] /= size(j);
                    keyMeans[j][x] /= size(j);
                }
                double[][] hj = new double[d][d];
                for (int t = start(j); t < start(j) + size(j); t++) {
                    for (int x = 0; x < d; x++) {
                        for (int e = 0; e < d; e++) hj[x][e] += (k[t * d + x] - keyMeans[j][x]) * v[t * d + e];
                    }
                }
                double norm2 = 0;
                for (int x = 0; x < d; x++) {
                    for (int e = 0; e < d; e++) {
                        norm2 += hj[x][e] * hj[x][e];
                        h[x][e] += hj[x][e];
                    }
                }
                hNorms[j] = Math.sqrt(norm2);
            }
        }

        int start(int j) {
            return j * block;
        }

        int size(int j) {
            return Math.min(block, seqLen - j * block);
        }

        double dotKeyMean(float[] q, int i, int j) {
            double s = 0;
            for (int x = 0; x < d; x++) s += q[i * d + x] * keyMeans[j][x];
            return s;
        }

        int[][] select(float scale, PisaSpec spec) {
            int topK = spec.topK(blocks);
            int[][] selected = new int[blocks][];
            for (int a = 0; a < blocks; a++) {
                double[] score = new double[blocks];
                for (int j = 0; j < blocks; j++) {
                    double s = 0;
                    for (int x = 0; x < d; x++) s += queryMeans[a][x] * keyMeans[j][x];
                    score[j] = (double) scale * s + (spec.bias() ? Math.log(hNorms[j] + 1e-5) : 0);
                }
                selected[a] = IntStream.range(0, blocks).boxed()
                        .sorted(Comparator.comparingDouble((Integer j) -> -score[j]).thenComparingInt(j -> j))
                        .limit(topK).mapToInt(Integer::intValue).sorted().toArray();
            }
            return selected;
        }
    }
}
