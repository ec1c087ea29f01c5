package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.testkit.KernelVsReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Properties over random layouts: the fast plan equals the brute-force mask; exact limits equal dense. */
class RadialPropertyTest {

    static IntStream seeds() {
        return IntStream.range(0, Boolean.getBoolean("tilewise.tests.extended") ? 400 : 60);
    }

    private static TokenLayout randomLayout(SplittableRandom r) {
        TokenGrid grid = new TokenGrid(1 + r.nextInt(9), 1 + r.nextInt(9), 1 + r.nextInt(11));
        int text = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(40);
        TextPlacement placement = text == 0 ? TextPlacement.NONE : r.nextBoolean() ? TextPlacement.PREFIX : TextPlacement.SUFFIX;
        return new TokenLayout(grid, text, placement);
    }

    private static RadialSpec randomSpec(SplittableRandom r) {
        double[] decays = {0.05, 0.2, 0.5, 0.95, 1.0, 3.0};
        int[] blocks = {8, 16, 24, 32, 64, 128};
        return new RadialSpec(decays[r.nextInt(decays.length)], blocks[r.nextInt(blocks.length)], r.nextBoolean());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void planAllowsExactlyTheBruteForceMask(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TokenLayout layout = randomLayout(r);
        RadialSpec spec = randomSpec(r);
        RadialMask fast = RadialMask.of(layout, spec);
        BlockSparsePlan plan = fast.plan();
        TokenMask reference = RadialReference.mask(layout, spec);
        int n = layout.seqLen();
        for (int q = 0; q < n; q++) {
            boolean any = false;
            for (int k = 0; k < n; k++) {
                boolean expected = reference.allowed(q, k);
                if (plan.allows(0, q, k) != expected || fast.allowed(q, k) != expected) {
                    fail(layout + " " + spec + ": pair (" + q + ", " + k + ") reference " + expected + ", plan "
                            + plan.allows(0, q, k) + ", mask " + fast.allowed(q, k));
                }
                any |= expected;
            }
            assertTrue(any, layout + " " + spec + ": query " + q + " attends nothing");
        }
        assertTrue(plan.tokenDensity() <= plan.executedDensity() + 1e-12);
    }

    @Test
    void allDistancesAtMostOneIsDense() {
        // two frames: every pair is at distance ≤ 1, and frames of at least B tokens keep adjacent frames: dense
        for (int block : new int[] {16, 64, 128}) {
            TokenLayout layout = new TokenLayout(new TokenGrid(2, 13, 11), 7, TextPlacement.SUFFIX);
            RadialSpec spec = new RadialSpec(0.2, block, false);
            AttentionShape shape = new AttentionShape(1, 2, 32, layout);
            assertEquals(1.0, new RadialKernel(spec).plan(shape).tokenDensity(), "block " + block);
            KernelVsReference.check(new RadialKernel(spec), shape, null, block);
        }
    }

    @Test
    void decayLargeEnoughForWholeFramesAndNoSplitIsDense() {
        // 8 frames of 64 tokens, B = 16: P = 128, u ≥ 32 ≥ B for dist ≤ 7 (no split); decay 100 → windows ≥ s
        TokenLayout layout = new TokenLayout(new TokenGrid(8, 8, 8), 3, TextPlacement.PREFIX);
        RadialSpec spec = new RadialSpec(100.0, 16, false);
        AttentionShape shape = new AttentionShape(1, 2, 64, layout);
        BlockSparsePlan plan = new RadialKernel(spec).plan(shape);
        assertEquals(1.0, plan.executedDensity());
        assertEquals(1.0, CostEstimate.of(shape, plan).idealSpeedup(), 1e-12);
        KernelVsReference.check(new RadialKernel(spec), shape, null, 9);
        // the same grid at decay 1 is sparse: the limit is not vacuous
        assertTrue(new RadialKernel(new RadialSpec(1.0, 16, false)).plan(shape).executedDensity() < 0.9);
    }

    @Test
    void narrowerWindowsNeverKeepMoreTokenPairsBeforeBlockification() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(12, 6, 10));
        long previous = Long.MAX_VALUE;
        for (double decay : new double[] {4.0, 1.0, 0.5, 0.2, 0.05}) {
            RadialMask mask = RadialMask.of(layout, new RadialSpec(decay, 16, false));
            long hits = 0;
            for (int q = 0; q < layout.seqLen(); q++) {
                for (int k = 0; k < layout.seqLen(); k++) if (mask.tokenHit(q, k)) hits++;
            }
            assertTrue(hits <= previous, "decay " + decay + ": " + hits + " > " + previous);
            previous = hits;
        }
    }
}
