package io.tilewise.attention.piecewise;

import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Problems;

import java.util.SplittableRandom;

/** Seeded inputs with PISA's favourite structure: queries and keys clustered per block, values plain noise. */
final class PisaProblems {

    private PisaProblems() {
    }

    /**
     * Per block a random query centre and key centre (N(0,1) per dimension) plus N(0, noise²) per token; values
     * N(0,1). Like docs/methods.md §5.1's own check (T = 512, D = 64, b = 64).
     */
    static Problems clustered(int batch, int heads, int seqLen, int headDim, int block, double noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int blocks = (seqLen + block - 1) / block;
        float[] q = new float[batch * heads * seqLen * headDim];
        float[] k = new float[q.length];
        float[] v = new float[q.length];
        for (int bh = 0; bh < batch * heads; bh++) {
            double[] qc = new double[blocks * headDim];
            double[] kc = new double[blocks * headDim];
            for (int i = 0; i < qc.length; i++) {
                qc[i] = gaussian(random);
                kc[i] = gaussian(random);
            }
            for (int t = 0; t < seqLen; t++) {
                int j = t / block;
                for (int d = 0; d < headDim; d++) {
                    int at = (bh * seqLen + t) * headDim + d;
                    q[at] = (float) (qc[j * headDim + d] + noise * gaussian(random));
                    k[at] = (float) (kc[j * headDim + d] + noise * gaussian(random));
                    v[at] = (float) gaussian(random);
                }
            }
        }
        return new Problems(Tensor.of(q, batch, heads, seqLen, headDim), Tensor.of(k, batch, heads, seqLen, headDim),
                Tensor.of(v, batch, heads, seqLen, headDim));
    }

    /** Keys constant within each block (H_j = 0): PISA's zeroth-order term is then exact at any density. */
    static Problems blockConstantKeys(int batch, int heads, int seqLen, int headDim, int block, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] q = new float[batch * heads * seqLen * headDim];
        float[] k = new float[q.length];
        float[] v = new float[q.length];
        for (int bh = 0; bh < batch * heads; bh++) {
            float[] centre = new float[headDim];
            for (int t = 0; t < seqLen; t++) {
                if (t % block == 0) {
                    for (int d = 0; d < headDim; d++) centre[d] = (float) (1.5 * gaussian(random));
                }
                for (int d = 0; d < headDim; d++) {
                    int at = (bh * seqLen + t) * headDim + d;
                    q[at] = (float) (1.5 * gaussian(random));
                    k[at] = centre[d];
                    v[at] = (float) gaussian(random);
                }
            }
        }
        return new Problems(Tensor.of(q, batch, heads, seqLen, headDim), Tensor.of(k, batch, heads, seqLen, headDim),
                Tensor.of(v, batch, heads, seqLen, headDim));
    }

    static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
