package io.tilewise.attention.blocksparse;

import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Approximated tiles act as summary keys (mean key, mean value, logit bias log n) in the same softmax as the exact
 * keys, plus an optional per-row first-order term weighted by the approximated mass. Checked against a scalar fp64
 * computation of exactly that math.
 */
class ApproximatedTilesTest {

    private static final float SCALE = 0.15f;

    @ParameterizedTest(name = "seqLen {0} tile {1} headDim {2} firstOrder {3}")
    @CsvSource({"500,64,64,false", "500,64,64,true", "333,32,40,true", "700,16,72,true", "257,128,7,true",
            "1000,16,32,false"})
    void summaryKeysMatchTheScalarModel(int seqLen, int tile, int headDim, boolean firstOrder) {
        int heads = 2;
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        BlockSparsePlan plan = mixedPlan(seqLen, tile, heads, 17);
        assertTrue(plan.hasApproximation());
        float[][] firstOrders = new float[heads][];
        TileSummaries.Source source = (b, h, keys, values) -> {
            TileSummaries s = summarise(keys, values, seqLen, tile, headDim, firstOrder ? seqLen : 0, 100 + h);
            firstOrders[h] = s.firstOrder();
            return s;
        };
        try (Problems p = Problems.random(shape, 3); Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike()) {
            new BlockSparseExecutor(headDim).execute(plan, p.q(), p.k(), p.v(), SCALE, out, lse, source);
            float[] expectedOut = new float[(int) out.elementCount()];
            float[] expectedLse = new float[(int) lse.elementCount()];
            for (int h = 0; h < heads; h++) {
                scalarModel(plan, h, p, firstOrders[h], tile, expectedOut, expectedLse);
            }
            TensorMetrics m = TensorMetrics.compare(out.toArray(), expectedOut);
            TensorMetrics l = TensorMetrics.compare(lse.toArray(), expectedLse);
            assertTrue(m.relL2() <= 1e-5, () -> "output " + m);
            assertTrue(l.relL2() <= 1e-5, () -> "lse " + l);
        }
    }

    /** Per row: some tiles exact (one of them masked), some approximated, the rest skipped. */
    private static BlockSparsePlan mixedPlan(int seqLen, int tile, int heads, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(seqLen, tile, tile, heads);
        for (int h = 0; h < heads; h++) {
            for (int qt = 0; qt < b.qTiles(); qt++) {
                b.addMasked(h, qt, qt, (q, k) -> k <= q);
                for (int kt = 0; kt < b.kTiles(); kt++) {
                    if (kt == qt) continue;
                    int pick = r.nextInt(3);
                    if (pick == 0) b.addFull(h, qt, kt);
                    else if (pick == 1) b.addApprox(h, qt, kt);
                }
            }
        }
        return b.build();
    }

    private static TileSummaries summarise(float[] keys, float[] values, int seqLen, int tile, int d, int firstOrderRows,
                                           long seed) {
        int kTiles = (seqLen + tile - 1) / tile;
        float[] km = new float[kTiles * d];
        float[] vm = new float[kTiles * d];
        float[] logCounts = new float[kTiles];
        for (int t = 0; t < kTiles; t++) {
            int n = Math.min(tile, seqLen - t * tile);
            for (int j = t * tile; j < t * tile + n; j++) {
                for (int x = 0; x < d; x++) {
                    km[t * d + x] += keys[j * d + x] / n;
                    vm[t * d + x] += values[j * d + x] / n;
                }
            }
            logCounts[t] = (float) Math.log(n);
        }
        float[] firstOrder = null;
        if (firstOrderRows > 0) {
            SplittableRandom r = new SplittableRandom(seed);
            firstOrder = new float[firstOrderRows * d];
            for (int i = 0; i < firstOrder.length; i++) firstOrder[i] = (float) (r.nextDouble() - 0.5);
        }
        return new TileSummaries(km, vm, logCounts, firstOrder);
    }

    /**
     * o_i = (Σ_exact e^{s_j} v_j + Σ_approx e^{s_t} v̄_t + g_i·f_i) / (Σ_exact e^{s_j} + Σ_approx e^{s_t}) with
     * s_t = τ·q·k̄_t + log n_t and g_i = Σ_approx e^{s_t}; lse_i = log of the denominator.
     */
    private static void scalarModel(BlockSparsePlan plan, int h, Problems p, float[] firstOrder, int tile,
                                    float[] out, float[] lse) {
        int n = p.q().seqLen();
        int d = p.q().headDim();
        float[] q = new float[n * d];
        float[] k = new float[n * d];
        float[] v = new float[n * d];
        p.q().copyHeadTo(0, h, q, 0);
        p.k().copyHeadTo(0, h, k, 0);
        p.v().copyHeadTo(0, h, v, 0);
        TileSummaries s = summarise(k, v, n, tile, d, 0, 0);
        for (int i = 0; i < n; i++) {
            int row = plan.row(h, i / plan.qTile());
            double max = Double.NEGATIVE_INFINITY;
            double[] exactScore = new double[n];
            for (int j = 0; j < n; j++) {
                exactScore[j] = plan.allows(h, i, j) ? SCALE * dot(q, i, k, j, d) : Double.NEGATIVE_INFINITY;
                max = Math.max(max, exactScore[j]);
            }
            int a0 = plan.approxStart(row);
            int a1 = plan.approxEnd(row);
            double[] approxScore = new double[a1 - a0];
            for (int e = a0; e < a1; e++) {
                int t = plan.approxTile(e);
                approxScore[e - a0] = SCALE * dot(q, i, s.keyMeans(), t, d) + s.logCounts()[t];
                max = Math.max(max, approxScore[e - a0]);
            }
            double sum = 0;
            double mass = 0;
            double[] acc = new double[d];
            for (int j = 0; j < n; j++) {
                if (exactScore[j] == Double.NEGATIVE_INFINITY) continue;
                double w = Math.exp(exactScore[j] - max);
                sum += w;
                for (int x = 0; x < d; x++) acc[x] += w * v[j * d + x];
            }
            for (int e = a0; e < a1; e++) {
                int t = plan.approxTile(e);
                double w = Math.exp(approxScore[e - a0] - max);
                sum += w;
                mass += w;
                for (int x = 0; x < d; x++) acc[x] += w * s.valueMeans()[t * d + x];
            }
            int o = (h * n + i) * d;
            for (int x = 0; x < d; x++) {
                double f = firstOrder == null ? 0 : mass * firstOrder[i * d + x];
                out[o + x] = (float) ((acc[x] + f) / sum);
            }
            lse[h * n + i] = (float) (max + Math.log(sum));
        }
    }

    private static double dot(float[] a, int i, float[] b, int j, int d) {
        double s = 0;
        for (int x = 0; x < d; x++) s += (double) a[i * d + x] * b[j * d + x];
        return s;
    }
}
