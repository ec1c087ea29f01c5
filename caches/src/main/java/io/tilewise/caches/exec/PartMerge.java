package io.tilewise.caches.exec;

import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * The LSE merge of two partial attentions over disjoint key sets (docs/methods.md §1), in the same stable form as
 * {@link io.tilewise.attention.merge.LseMerge} — {@code O = O_A − σ(L_B − L_A)·(O_A − O_B)},
 * {@code L = max + log1p(e^{min − max})} — but per head on arrays and in parallel, since caches merge on every
 * step; the arithmetic is the same (double weights, float results), so both give the same bits. A part whose LSE is −∞ (no keys; its output may be NaN) contributes nothing.
 */
public final class PartMerge {

    private PartMerge() {
    }

    /**
     * Writes the merge of A and B into {@code out} (and {@code lse} when not null). {@code out} may be
     * {@code outA} or {@code outB}; {@code lse} may be {@code lseA} or {@code lseB}.
     */
    public static void merge(Tensor outA, Tensor lseA, Tensor outB, Tensor lseB, Tensor out, Tensor lse) {
        outA.requireSameShape(outB, "outB");
        outA.requireSameShape(out, "out");
        lseA.requireSameShape(lseB, "lseB");
        if (lse != null) lseA.requireSameShape(lse, "lse");
        int n = outA.seqLen();
        int d = outA.headDim();
        int heads = outA.heads();
        Parallel.forEach(outA.batch() * heads, bh -> {
            int b = bh / heads;
            int h = bh % heads;
            float[][] buf = buffers(n, d);
            float[] oa = buf[0], ob = buf[1], la = buf[2], lb = buf[3];
            outA.copyHeadTo(b, h, oa, 0);
            outB.copyHeadTo(b, h, ob, 0);
            lseA.copyHeadTo(b, h, la, 0);
            lseB.copyHeadTo(b, h, lb, 0);
            mergeRows(oa, la, ob, lb, n, d);
            out.copyRowsFrom(b, h, 0, n, oa, 0);
            if (lse != null) lse.copyRowsFrom(b, h, 0, n, la, 0);
        });
    }

    /** Per-thread head buffers, grown on demand and kept (merges run on every step). */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {
            new float[0], new float[0], new float[0], new float[0]});

    private static float[][] buffers(int n, int d) {
        float[][] buf = BUFFERS.get();
        if (buf[0].length < n * d || buf[2].length < n) {
            buf = new float[][] {new float[n * d], new float[n * d], new float[n], new float[n]};
            BUFFERS.set(buf);
        }
        return buf;
    }

    /** Folds rows of B into rows of A in place ({@code oa}, {@code la} receive the merge). */
    static void mergeRows(float[] oa, float[] la, float[] ob, float[] lb, int rows, int d) {
        for (int t = 0; t < rows; t++) {
            float a = la[t];
            float bl = lb[t];
            if (bl == Float.NEGATIVE_INFINITY) continue;
            int base = t * d;
            if (a == Float.NEGATIVE_INFINITY) {
                System.arraycopy(ob, base, oa, base, d);
                la[t] = bl;
                continue;
            }
            double weightB = sigmoid((double) bl - a);
            for (int i = base; i < base + d; i++) oa[i] = (float) (oa[i] - weightB * (oa[i] - ob[i]));
            la[t] = logAddExp(a, bl);
        }
    }

    /** {@code log(e^a + e^b)} of two LSEs in the stable form every merge here uses; −∞ is no part. */
    static float logAddExp(float a, float b) {
        if (b == Float.NEGATIVE_INFINITY) return a;
        if (a == Float.NEGATIVE_INFINITY) return b;
        double max = Math.max(a, b);
        return (float) (max + Math.log1p(Math.exp(Math.min(a, b) - max)));
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }
}
