package io.tilewise.attention.dense;

import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.tensor.Tensor;

import java.util.stream.IntStream;

/**
 * The oracle of every test: softmax(τ·QKᵀ [+ mask])·V in double precision, one query row at a time. Slow by
 * design (scalar, O(N²·D)), obviously correct.
 */
public final class DenseReference {

    private DenseReference() {
    }

    /** Dense attention. {@code lse} may be null. */
    public static void forward(Tensor q, Tensor k, Tensor v, float scale, Tensor out, Tensor lse) {
        forward(q, k, v, scale, null, out, lse);
    }

    /**
     * Masked attention: keys with {@code mask.allowed(head, query, key) == false} get score −∞. A row with no
     * allowed key is an error (every method guarantees at least one).
     */
    public static void forward(Tensor q, Tensor k, Tensor v, float scale, TokenMask mask, Tensor out, Tensor lse) {
        q.requireSameShape(k, "k");
        q.requireSameShape(v, "v");
        q.requireSameShape(out, "out");
        int batch = q.batch();
        int heads = q.heads();
        int seqLen = q.seqLen();
        int headDim = q.headDim();
        IntStream.range(0, batch * heads).parallel().forEach(bh -> {
            int b = bh / heads;
            int h = bh % heads;
            float[] qh = new float[seqLen * headDim];
            float[] kh = new float[seqLen * headDim];
            float[] vh = new float[seqLen * headDim];
            q.copyHeadTo(b, h, qh, 0);
            k.copyHeadTo(b, h, kh, 0);
            v.copyHeadTo(b, h, vh, 0);
            float[] oh = new float[seqLen * headDim];
            double[] scores = new double[seqLen];
            double[] acc = new double[headDim];
            for (int i = 0; i < seqLen; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < seqLen; j++) {
                    if (mask != null && !mask.allowed(h, i, j)) {
                        scores[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double s = 0;
                    for (int d = 0; d < headDim; d++) {
                        s += (double) qh[i * headDim + d] * kh[j * headDim + d];
                    }
                    s *= scale;
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    throw new IllegalStateException("query row " + i + " of head " + h + " has no allowed key");
                }
                java.util.Arrays.fill(acc, 0);
                double sum = 0;
                for (int j = 0; j < seqLen; j++) {
                    if (scores[j] == Double.NEGATIVE_INFINITY) continue;
                    double p = Math.exp(scores[j] - max);
                    sum += p;
                    for (int d = 0; d < headDim; d++) acc[d] += p * vh[j * headDim + d];
                }
                for (int d = 0; d < headDim; d++) oh[i * headDim + d] = (float) (acc[d] / sum);
                if (lse != null) lse.set(b, h, i, 0, (float) (max + Math.log(sum)));
            }
            out.copyRowsFrom(b, h, 0, seqLen, oh, 0);
        });
    }
}
