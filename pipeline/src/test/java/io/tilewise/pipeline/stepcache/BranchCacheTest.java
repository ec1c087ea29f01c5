package io.tilewise.pipeline.stepcache;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-branch decisions and forecasts against plain re-computations written here from the published rules, on
 * recorded-like residual sequences.
 */
class BranchCacheTest {

    private static final int N = 64;

    /** First-block residuals that drift by a chosen relative amount per step. */
    private static float[][] drifting(int steps, double[] drift, long seed) {
        Random r = new Random(seed);
        float[][] out = new float[steps][N];
        for (int i = 0; i < N; i++) out[0][i] = (float) r.nextGaussian();
        for (int s = 1; s < steps; s++) {
            for (int i = 0; i < N; i++) out[s][i] = (float) (out[s - 1][i] * (1 + drift[s] * (r.nextBoolean() ? 1 : -1)));
        }
        return out;
    }

    @Test
    void fbcacheSkipsExactlyWhereTheReferenceRuleDoes() {
        int steps = 20;
        double[] drift = new double[steps];
        Random r = new Random(3);
        for (int s = 0; s < steps; s++) drift[s] = r.nextDouble() * 0.2;
        float[][] first = drifting(steps, drift, 7);
        StepCachePolicy p = StepCachePolicy.parse("fbcache:threshold=0.09,warmup=2,final=2,max_skip=2");
        BranchCache cache = new BranchCache(p, steps, null);
        // the reference: compare with the last computed step's residual; warm-up, final and max_skip force compute
        float[] lastComputed = null;
        int inRow = 0;
        int skips = 0;
        for (int s = 0; s < steps; s++) {
            boolean expected;
            if (lastComputed == null || s < 2 || s >= steps - 2 || inRow >= 2) {
                expected = false;
            } else {
                double num = 0, den = 0;
                for (int i = 0; i < N; i++) {
                    num += Math.abs((double) first[s][i] - lastComputed[i]);
                    den += Math.abs((double) lastComputed[i]);
                }
                expected = num / den < 0.09;
            }
            boolean skip = cache.skip(s, first[s]);
            assertEquals(expected, skip, "step " + s);
            if (skip) {
                inRow++;
                skips++;
            } else {
                inRow = 0;
                lastComputed = first[s].clone();
                cache.computed(s, first[s], new float[N]);
            }
        }
        assertTrue(skips > 0 && skips < steps - 4, "the sequence exercises both outcomes: " + skips + " skips");
    }

    @Test
    void thresholdZeroNeverSkipsEvenOnIdenticalResiduals() {
        BranchCache cache = new BranchCache(StepCachePolicy.parse("fbcache:threshold=0,warmup=0"), 10, null);
        float[] same = new float[N];
        java.util.Arrays.fill(same, 1f);
        for (int s = 0; s < 10; s++) {
            assertFalse(cache.skip(s, same), "step " + s);
            cache.computed(s, same, same);
        }
    }

    @Test
    void fbcacheReusesTheLastComputedResidualUnchanged() {
        BranchCache cache = new BranchCache(StepCachePolicy.parse("fbcache:threshold=1,warmup=0"), 10, null);
        float[] rest = {1, 2, 3};
        cache.skip(0, new float[] {1, 1, 1});
        cache.computed(0, new float[] {1, 1, 1}, rest);
        rest[0] = 99; // the cache keeps its own copy
        assertTrue(cache.skip(1, new float[] {1, 1, 1}));
        assertArrayEquals(new float[] {1, 2, 3}, cache.residual(1));
    }

    /** Residuals on a polynomial in the step index are forecast exactly by a Taylor cache of at least its degree. */
    @Test
    void taylorForecastMatchesTheNewtonPolynomialThroughTheLastComputedSteps() {
        int[] computedSteps = {2, 3, 5};
        double[] a = new double[N], b = new double[N], c = new double[N];
        Random r = new Random(11);
        for (int i = 0; i < N; i++) {
            a[i] = r.nextGaussian();
            b[i] = r.nextGaussian() * 0.1;
            c[i] = r.nextGaussian() * 0.01;
        }
        for (int order = 1; order <= 2; order++) {
            BranchCache cache = new BranchCache(StepCachePolicy.parse("taylor:order=" + order + ",threshold=100,warmup=0,max_skip=10"), 12, null);
            List<float[]> recorded = new ArrayList<>();
            for (int s : computedSteps) {
                float[] res = new float[N];
                for (int i = 0; i < N; i++) res[i] = (float) (a[i] + b[i] * s + c[i] * s * s);
                recorded.add(res);
                cache.computed(s, new float[N], res);
            }
            int target = 7;
            float[] forecast = cache.residual(target);
            for (int i = 0; i < N; i++) {
                double expected = order == 2
                        ? a[i] + b[i] * target + c[i] * target * target // a quadratic is reproduced exactly by 3 points
                        : lagrange(new double[] {3, 5}, new double[] {recorded.get(1)[i], recorded.get(2)[i]}, target);
                assertEquals(expected, forecast[i], 1e-4 * (1 + Math.abs(expected)), "order " + order + " value " + i);
            }
        }
    }

    /** The polynomial through (xs, ys) at x, in Lagrange form (independent of the Newton form under test). */
    private static double lagrange(double[] xs, double[] ys, double x) {
        double sum = 0;
        for (int j = 0; j < xs.length; j++) {
            double term = ys[j];
            for (int m = 0; m < xs.length; m++) if (m != j) term *= (x - xs[m]) / (xs[j] - xs[m]);
            sum += term;
        }
        return sum;
    }

    @Test
    void taylorWithOneComputedStepReusesIt() {
        BranchCache cache = new BranchCache(StepCachePolicy.parse("taylor:order=2,threshold=100,warmup=0"), 10, null);
        cache.computed(0, new float[1], new float[] {4});
        assertArrayEquals(new float[] {4}, cache.residual(3));
    }

    @Test
    void magcacheAccumulatesTheRatioErrorAsPublished() {
        double[] ratios = {1, 0.99, 0.98, 0.97, 0.9, 1.0, 1.01, 0.995, 0.99, 0.95};
        StepCachePolicy p = StepCachePolicy.parse("magcache:plan=x,threshold=0.05,warmup=1,max_skip=3");
        BranchCache cache = new BranchCache(p, ratios.length, ratios);
        // reference, from MagCache's description: accumulate ratio product and |1 - product|; reset on compute
        double acc = 1, err = 0;
        int inRow = 0;
        boolean any = false;
        for (int s = 0; s < ratios.length; s++) {
            boolean expected = false;
            if (any && s >= 1 && inRow < 3) {
                acc *= ratios[s];
                err += Math.abs(1 - acc);
                expected = err < 0.05;
            }
            if (!expected) {
                acc = 1;
                err = 0;
                inRow = 0;
            } else {
                inRow++;
            }
            boolean skip = cache.skip(s, null);
            assertEquals(expected, skip, "step " + s);
            if (!skip) {
                cache.computed(s, null, new float[] {1});
                any = true;
            }
        }
    }

    @Test
    void relativeL1IsTheMeanAbsoluteChangeOverTheMeanAbsoluteValue() {
        assertEquals((0.5 + 1) / (1 + 2), BranchCache.relativeL1(new float[] {1.5f, -3}, new float[] {1, -2}), 1e-12);
        assertEquals(0, BranchCache.relativeL1(new float[2], new float[2]));
    }
}
