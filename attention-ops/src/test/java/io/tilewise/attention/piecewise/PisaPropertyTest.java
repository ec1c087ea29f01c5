package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.cpu.FlashTile;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Problems;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PisaPropertyTest {

    @Test
    void selectionTakesTheBestScoresAndBreaksTiesTowardsTheLowerIndex() {
        double[] scratch = new double[8];
        double[] scores = {1, 3, 3, 0, 3, Double.NaN, -1, 2};
        assertArrayEquals(new int[] {1, 2}, PisaSelection.select(scores, 0, 8, 2, scratch));
        assertArrayEquals(new int[] {1, 2, 4}, PisaSelection.select(scores, 0, 8, 3, scratch));
        assertArrayEquals(new int[] {1, 2, 4, 7}, PisaSelection.select(scores, 0, 8, 4, scratch));
        // NaN ranks below −1 (and −∞ below everything finite).
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 6, 7}, PisaSelection.select(scores, 0, 8, 7, scratch));
        assertArrayEquals(new int[] {0, 1, 2}, PisaSelection.select(new double[] {0, 0, 0, 0}, 0, 4, 3, scratch));
        // Offsets address one row of a matrix.
        assertArrayEquals(new int[] {1}, PisaSelection.select(new double[] {9, 9, 0, 5}, 2, 2, 1, scratch));
    }

    @Test
    void nthEqualsTheSortedCopyAtThatIndex() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 500; trial++) {
            int n = 1 + r.nextInt(200);
            double[] a = new double[n];
            for (int j = 0; j < n; j++) {
                int kind = r.nextInt(10);
                a[j] = kind == 0 ? Double.NEGATIVE_INFINITY : kind == 1 ? r.nextInt(3) : r.nextGaussian();
            }
            double[] sorted = a.clone();
            java.util.Arrays.sort(sorted);
            int nth = r.nextInt(n);
            assertEquals(sorted[nth], PisaSelection.nth(a.clone(), n, nth), "trial " + trial);
        }
    }

    @Test
    void selectionAgreesWithAPlainSortOnRandomScores() {
        SplittableRandom r = new SplittableRandom(3);
        double[] scratch = new double[300];
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(300);
            int k = 1 + r.nextInt(n);
            double[] s = new double[n];
            // Few distinct values: plenty of ties.
            for (int j = 0; j < n; j++) s[j] = r.nextInt(trial % 2 == 0 ? 5 : 1000);
            int[] expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> -s[j]).thenComparingInt(j -> j))
                    .limit(k).mapToInt(Integer::intValue).sorted().toArray();
            assertArrayEquals(expected, PisaSelection.select(s, 0, n, k, scratch), "trial " + trial);
        }
    }

    /**
     * docs/methods.md §5.1's check: on block-structured inputs (T = 512, D = 64, b = 64) PISA's error against dense
     * is below keep-or-drop's with the same selection, at every density.
     */
    @Test
    void approximationBeatsKeepOrDropOnBlockStructuredInputs() {
        int seqLen = 512, d = 64, block = 64;
        AttentionShape shape = AttentionShape.of(1, 2, seqLen, d);
        try (Problems p = PisaProblems.clustered(1, 2, seqLen, d, block, 0.5, 11);
             Tensor dense = p.q().zerosLike()) {
            DenseReference.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().scaleFor(d), dense, null);
            double previous = 0;
            for (double density : new double[] {0.5, 0.25, 0.15}) {
                double pisa = error(new PisaSpec(density, block, true, true, false), shape, p, dense);
                double zeroth = error(new PisaSpec(density, block, false, true, false), shape, p, dense);
                double drop = error(new PisaSpec(density, block, false, true, true), shape, p, dense);
                System.out.printf("block-structured T=512 D=64 b=64 density %.2f: relL2 vs dense PISA %.3f "
                        + "(zeroth order only %.3f), keep-or-drop %.3f%n", density, pisa, zeroth, drop);
                assertTrue(pisa < drop, () -> "density " + density + ": PISA " + pisa + " vs keep-or-drop " + drop);
                assertTrue(pisa > previous, () -> "error should grow as density falls: " + pisa);
                previous = pisa;
            }
        }
    }

    @Test
    void approximationBeatsKeepOrDropOnRandomInputs() {
        int seqLen = 512, d = 64, block = 64;
        AttentionShape shape = AttentionShape.of(1, 2, seqLen, d);
        // N(0,1) queries and keys, as in docs/methods.md §5.1's random-data check.
        try (Problems p = new Problems(Tensor.randomNormal(12, 1f, 1, 2, seqLen, d), Tensor.randomNormal(13, 1f, 1, 2, seqLen, d),
                Tensor.randomNormal(14, 1f, 1, 2, seqLen, d));
             Tensor dense = p.q().zerosLike()) {
            DenseReference.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().scaleFor(d), dense, null);
            double pisa = error(new PisaSpec(0.125, block, true, true, false), shape, p, dense);
            double zeroth = error(new PisaSpec(0.125, block, false, true, false), shape, p, dense);
            double drop = error(new PisaSpec(0.125, block, false, true, true), shape, p, dense);
            System.out.printf("random T=512 D=64 b=64 density 0.125: relL2 vs dense PISA %.4f (zeroth order only "
                    + "%.4f), keep-or-drop %.4f%n", pisa, zeroth, drop);
            assertTrue(pisa < drop, () -> "PISA " + pisa + " vs keep-or-drop " + drop);
        }
    }

    /**
     * The released kernel does not rescale its approximated-mass accumulator when the running max grows
     * (docs/methods.md §5.1 note). Our executor runs exact tiles first, then summary keys in chunks of
     * {@link FlashTile#CHUNK}: the max can still grow between summary chunks. Here a block of identical keys
     * aligned with every query has by far the largest logit, is never selected (H_j = 0, bias log 1e-5) and sits
     * in the second summary chunk (block 149 of 150), after 128 summary keys' mass was accumulated.
     */
    @Test
    void approximatedMassIsRescaledWhenTheMaxGrowsAfterIt() {
        int block = 8, blocks = 150, seqLen = block * blocks, d = 64;
        AttentionShape shape = AttentionShape.of(1, 1, seqLen, d);
        PisaSpec spec = new PisaSpec(0.02, block, true, true, false);
        float scale = AttentionContext.standalone().scaleFor(d);
        SplittableRandom r = new SplittableRandom(5);
        float[] q = new float[seqLen * d], k = new float[seqLen * d], v = new float[seqLen * d];
        for (int t = 0; t < seqLen; t++) {
            for (int x = 0; x < d; x++) {
                int i = t * d + x;
                q[i] = (float) ((x == 0 ? 4 : 0) + PisaProblems.gaussian(r));
                k[i] = t >= (blocks - 1) * block ? (x == 0 ? 20 : 0) : (float) (1.5 * PisaProblems.gaussian(r));
                v[i] = (float) PisaProblems.gaussian(r);
            }
        }
        try (Tensor tq = Tensor.of(q, 1, 1, seqLen, d); Tensor tk = Tensor.of(k, 1, 1, seqLen, d);
             Tensor tv = Tensor.of(v, 1, 1, seqLen, d); Problems p = new Problems(tq, tk, tv)) {
            BlockSparsePlan plan = new PisaPlanner(spec).plan(tq, tk, tv, 0, scale).plan();
            for (int a = 0; a < blocks; a++) {
                int row = plan.row(0, a);
                assertEquals(blocks - 3, plan.approxEnd(row) - plan.approxStart(row));
                assertEquals(blocks - 1, plan.approxTile(plan.approxEnd(row) - 1), "hot block approximated");
            }
            assertTrue(blocks - 3 > FlashTile.CHUNK, "hot block must be in the second summary chunk");
            // The hot summary key has the row's largest logit, above every exact key and earlier summary key.
            float[] out = new float[seqLen * d], lse = new float[seqLen], without = new float[seqLen * d];
            PisaReference.head(q, k, v, seqLen, d, scale, spec, out, lse);
            float[] keyMeans = new float[blocks * d];
            for (int t = 0; t < seqLen; t++) {
                for (int x = 0; x < d; x++) keyMeans[t / block * d + x] += k[t * d + x] / block;
            }
            int dominated = 0;
            for (int i = 0; i < seqLen; i++) {
                int row = plan.row(0, i / block);
                double others = Double.NEGATIVE_INFINITY;
                for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                    for (int t = plan.exactTile(e) * block; t < (plan.exactTile(e) + 1) * block; t++) {
                        others = Math.max(others, scale * dot(q, i, k, t, d));
                    }
                }
                for (int e = plan.approxStart(row); e < plan.approxEnd(row) - 1; e++) {
                    others = Math.max(others, scale * dot(q, i, keyMeans, plan.approxTile(e), d) + Math.log(block));
                }
                double hot = scale * dot(q, i, k, seqLen - 1, d) + Math.log(block);
                if (hot > others + 1) dominated++;
            }
            assertTrue(dominated > seqLen * 0.9, "rows whose max is the hot summary key: " + dominated);
            PisaReference.head(q, k, v, seqLen, d, scale, new PisaSpec(0.02, block, false, true, false), without, lse);
            double firstOrder = TensorMetrics.compare(out, without).relL2();
            assertTrue(firstOrder > 1e-2, "first-order term too small to see a wrong g: " + firstOrder);
            PisaKernelVsReferenceTest.check(spec, shape, p);
        }
    }

    /** The same rule at the tile level: mass accumulated before the max grows must be scaled down with it. */
    @Test
    void flashTileRescalesApproximatedMassWithTheRunningMax() {
        int d = 4;
        FlashTile tile = new FlashTile(d);
        float[] query = {1, 0, 0.5f, 0};
        System.arraycopy(query, 0, tile.staging(), 0, d);
        tile.load(1, 1f);
        float[][] keys = {{1, 0, 0, 0, 0, 1, 0, 0}, {12, 0, 0, 0}};
        float[][] values = {{1, 2, 3, 4, -1, 0, 1, 2}, {0.5f, 0.5f, 0.5f, 0.5f}};
        float[][] bias = {{(float) Math.log(8), (float) Math.log(3)}, {(float) Math.log(2)}};
        for (int c = 0; c < 2; c++) {
            int n = bias[c].length;
            tile.scores(keys[c], 0, n);
            tile.addBias(bias[c], n);
            tile.softmax(n, true);
            tile.accumulate(values[c], 0, n);
        }
        float[] firstOrder = new float[FlashTile.ROWS * d];
        float[] f = {0.3f, -0.2f, 0.1f, 1f};
        System.arraycopy(f, 0, firstOrder, 0, d);
        float[] lse = new float[FlashTile.ROWS];
        tile.finish(1, firstOrder, 0, lse, 0);
        // Direct: logits s = q·k + ln n; g = Σ e^s; o = (Σ e^s v + g f) / g.
        double[] s = {1 + Math.log(8), 0 + Math.log(3), 12 + Math.log(2)};
        float[][] vs = {{1, 2, 3, 4}, {-1, 0, 1, 2}, {0.5f, 0.5f, 0.5f, 0.5f}};
        double g = Arrays.stream(s).map(Math::exp).sum();
        for (int x = 0; x < d; x++) {
            double num = g * f[x];
            for (int j = 0; j < 3; j++) num += Math.exp(s[j]) * vs[j][x];
            assertEquals(num / g, tile.staging()[x], 1e-5, "dim " + x);
        }
        assertEquals(Math.log(g), lse[0], 1e-5);
    }

    @Test
    void sameInputTwiceGivesIdenticalBits() {
        AttentionShape shape = AttentionShape.of(2, 2, 777, 64);
        try (Problems p = Problems.random(shape, 3);
             Tensor a = p.q().zerosLike();
             Tensor b = p.q().zerosLike();
             AttentionSession s = new PisaKernel(PisaSpec.defaults()).prepare(shape)) {
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
            assertArrayEquals(a.toArray(), b.toArray());
        }
    }

    /** The representative plan is deterministic and its cost counts the summary keys. */
    @Test
    void representativePlanAndCost() {
        AttentionShape shape = AttentionShape.of(1, 2, 1024, 64);
        PisaKernel kernel = new PisaKernel(PisaSpec.defaults());
        BlockSparsePlan plan = kernel.plan(shape);
        assertEquals(plan, kernel.plan(shape));
        assertEquals(2, plan.planHeads());
        assertEquals(2 / 16.0, plan.executedDensity(), 1e-12);
        CostEstimate cost = kernel.cost(shape);
        // Exact: 2 of 16 blocks; approximated: 14 summary keys per query on top of 1024 keys of dense.
        double expected = 1 / (2 / 16.0 + 14 / 1024.0);
        assertEquals(expected, cost.idealSpeedup(), 1e-9);
        BlockSparsePlan drop = new PisaKernel(new PisaSpec(0.15, 64, false, true, true)).plan(shape);
        assertTrue(!drop.hasApproximation());
        assertEquals(8.0, CostEstimate.of(shape, drop).idealSpeedup(), 1e-9);
    }

    private static double dot(float[] a, int i, float[] b, int t, int d) {
        double s = 0;
        for (int x = 0; x < d; x++) s += (double) a[i * d + x] * b[t * d + x];
        return s;
    }

    private static double error(PisaSpec spec, AttentionShape shape, Problems p, Tensor dense) {
        try (Tensor out = p.q().zerosLike(); AttentionSession s = new PisaKernel(spec).prepare(shape)) {
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            return TensorMetrics.compare(out, dense).relL2();
        }
    }
}
