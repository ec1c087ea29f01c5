package io.tilewise.attention.piecewise;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The blocked and vectorised pre-pass against the plain loops it replaces: equal bits, odd sizes, headDim 128. */
class BlockStatisticsTest {

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void blockScoresH_jAndFirstOrderRowsEqualThePlainLoopsBitForBit() {
        for (int[] c : new int[][] {{517, 128, 16}, {301, 72, 29}, {130, 16, 7}, {1000, 64, 64}}) {
            int seqLen = c[0], d = c[1], block = c[2];
            SplittableRandom r = new SplittableRandom(seqLen);
            float[] q = random(r, seqLen * d), k = random(r, seqLen * d), v = random(r, seqLen * d);
            BlockStatistics s = BlockStatistics.of(q, k, v, seqLen, d, block, true, true);
            int n = s.blocks;
            float scale = 0.088f;
            // Plain loops, written from the definitions: σ = τ·q̄_a·k̄_j + log(‖H_j‖ + 1e-5), H_j = Σ_t (k_t − k̄_j) v_tᵀ.
            double[] expected = new double[n * n];
            for (int a = 0; a < n; a++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += s.queryMeans[a * d + x] * s.keyMeans[j * d + x];
                    expected[a * n + j] = (double) scale * dot + Math.log(s.hNorms[j] + 1e-5);
                }
            }
            assertArrayEquals(expected, s.scores(scale, true), "scores " + seqLen + "x" + d);
            float[] global = new float[d * d];
            double[] sum = new double[d * d];
            double[] norms = new double[n];
            for (int j = 0; j < n; j++) {
                float[] hj = new float[d * d];
                for (int t = j * block; t < Math.min(seqLen, (j + 1) * block); t++) {
                    for (int x = 0; x < d; x++) {
                        float centred = (float) (k[t * d + x] - s.keyMeans[j * d + x]);
                        for (int e = 0; e < d; e++) hj[x * d + e] = Math.fma(v[t * d + e], centred, hj[x * d + e]);
                    }
                }
                // Σ h² in four partial sums over i mod 4, added as (0 + 1) + (2 + 3): the pre-pass's order (a single
                // running sum is a latency-bound chain). Against the plain one-sum order: 1e-6 relative, since with a
                // scalar tail the H_j themselves differ in their last fp32 bits (bit-exact only without, below).
                double[] part = new double[4];
                double plainNorm2 = 0;
                for (int i = 0; i < hj.length; i++) {
                    part[i % 4] += (double) hj[i] * hj[i];
                    plainNorm2 += (double) hj[i] * hj[i];
                }
                norms[j] = Math.sqrt((part[0] + part[1]) + (part[2] + part[3]));
                assertEquals(Math.sqrt(plainNorm2), s.hNorms[j], 1e-6 * Math.sqrt(plainNorm2), "H_j norm, one-sum order");
                for (int x = 0; x < d * d; x++) sum[x] += hj[x];
            }
            for (int x = 0; x < d * d; x++) global[x] = (float) sum[x];
            int tail = d - jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.loopBound(d);
            if (tail == 0) {
                // With a scalar tail the plain loop rounds product and sum apart; only the all-vector case is fma-exact.
                assertArrayEquals(norms, s.hNorms, "H_j norms " + seqLen + "x" + d);
                assertArrayEquals(global, s.h, "H " + seqLen + "x" + d);
                float[] rows = new float[seqLen * d];
                s.firstOrder(q, scale, 0, seqLen, rows);
                float[] plain = new float[seqLen * d];
                for (int i = 0; i < seqLen; i++) {
                    for (int e = 0; e < d; e++) {
                        float acc = 0;
                        for (int x = 0; x < d; x++) acc = Math.fma(global[x * d + e], q[i * d + x], acc);
                        plain[i * d + e] = acc * (scale / seqLen);
                    }
                }
                assertArrayEquals(plain, rows, "first-order rows " + seqLen + "x" + d);
            }
        }
    }
}
