package io.tilewise.attention.merge;

import io.tilewise.attention.tensor.Tensor;

/**
 * Exact merge of two partial attentions over disjoint key sets (docs/methods.md §1), in NATTEN's stable form:
 * {@code O = O_A − σ(L_B − L_A)·(O_A − O_B)}, {@code L = L_A − log σ(L_A − L_B)}.
 */
public final class LseMerge {

    private LseMerge() {
    }

    /**
     * Folds part B into part A in place: {@code outA, lseA} become the attention over the union of both key sets.
     * A row whose B part has LSE −∞ (no keys) keeps A unchanged, and vice versa.
     */
    public static void mergeInto(Tensor outA, Tensor lseA, Tensor outB, Tensor lseB) {
        outA.requireSameShape(outB, "outB");
        lseA.requireSameShape(lseB, "lseB");
        if (lseA.batch() != outA.batch() || lseA.heads() != outA.heads() || lseA.seqLen() != outA.seqLen()
                || lseA.headDim() != 1) {
            throw new IllegalArgumentException("lse has shape " + lseA.shapeString() + ", expected ["
                    + outA.batch() + ", " + outA.heads() + ", " + outA.seqLen() + ", 1]");
        }
        int headDim = outA.headDim();
        for (int b = 0; b < outA.batch(); b++) {
            for (int h = 0; h < outA.heads(); h++) {
                for (int t = 0; t < outA.seqLen(); t++) {
                    float la = lseA.get(b, h, t, 0);
                    float lb = lseB.get(b, h, t, 0);
                    if (lb == Float.NEGATIVE_INFINITY) continue;
                    if (la == Float.NEGATIVE_INFINITY) {
                        for (int d = 0; d < headDim; d++) outA.set(b, h, t, d, outB.get(b, h, t, d));
                        lseA.set(b, h, t, 0, lb);
                        continue;
                    }
                    double weightB = sigmoid(lb - la);
                    for (int d = 0; d < headDim; d++) {
                        float oa = outA.get(b, h, t, d);
                        float ob = outB.get(b, h, t, d);
                        outA.set(b, h, t, d, (float) (oa - weightB * (oa - ob)));
                    }
                    lseA.set(b, h, t, 0, (float) mergedLse(la, lb));
                }
            }
        }
    }

    /** {@code log(e^a + e^b)} without overflow. */
    public static double mergedLse(double a, double b) {
        double max = Math.max(a, b);
        if (max == Double.NEGATIVE_INFINITY) return max;
        return max + Math.log1p(Math.exp(Math.min(a, b) - max));
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }
}
