package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.testkit.KernelVsReference;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GnaPropertyTest {

    @ParameterizedTest(name = "{0} + {1} text ({2})")
    @CsvSource({"3x5x7, 0, NONE", "3x5x7, 77, PREFIX", "1x9x13, 1, SUFFIX", "1x1x200, 0, NONE"})
    void windowEqualToTheGridIsDenseAttention(String gridText, int text, TextPlacement placement) {
        TokenGrid grid = TokenGrid.parse(gridText);
        TokenLayout layout = new TokenLayout(grid, text, placement);
        GnaSpec spec = GnaSpec.parse("gna:window=" + grid + ",stride=" + grid.frames() + "x1x" + Math.max(1, grid.width() / 2));
        GnaKernel kernel = new GnaKernel(spec);
        AttentionShape shape = new AttentionShape(1, 2, 64, layout);
        assertEquals(1.0, kernel.plan(shape).tokenDensity(), 0.0);
        assertEquals(1.0, kernel.plan(shape).executedDensity(), 0.0);
        KernelVsReference.check(kernel, shape, null, 5);
    }

    @ParameterizedTest(name = "window {0}")
    @ValueSource(strings = {"2x3x4", "3x4x5", "1x5x3", "3x2x7"})
    void strideEqualToTheWindowIsBlockedAttention(String window) {
        TokenLayout layout = TokenLayout.video(new TokenGrid(5, 9, 13));
        GnaSpec spec = GnaSpec.parse("gna:window=" + window + ",stride=" + window);
        int[] k = spec.window();
        // Independent rule: block b = i / k, window [min(b·k, L − k), + k) — the last block clamped.
        TokenMask blocked = (q, key) -> {
            int[] a = layout.coords(q);
            int[] b = layout.coords(key);
            for (int axis = 0; axis < 3; axis++) {
                int length = layout.grid().size(axis);
                int start = Math.min(a[axis] / k[axis] * k[axis], length - k[axis]);
                if (b[axis] < start || b[axis] >= start + k[axis]) return false;
            }
            return true;
        };
        TokenMask rule = GnaReference.mask(spec, layout);
        for (int q = 0; q < layout.seqLen(); q++) {
            for (int key = 0; key < layout.seqLen(); key++) assertEquals(blocked.allowed(q, key), rule.allowed(q, key));
        }
        KernelVsReference.check(new GnaKernel(spec), new AttentionShape(1, 1, 32, layout), blocked, 3);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void factorisedPlanEqualsThePlanOfTheBruteForceMask(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TokenLayout layout = GnaCases.randomLayout(r, 11);
        GnaSpec spec = GnaCases.randomSpec(r, layout.grid());
        GnaTiling tiling = GnaTiling.layoutOrder(32 * (1 + r.nextInt(4)), 16 << r.nextInt(4));
        BlockSparsePlan fast = GnaPlanner.build(new GnaMask(spec, layout), tiling).plan();
        BlockSparsePlan slow = BlockSparsePlan.fromTokenMask(layout.seqLen(), tiling.queryTile(), tiling.keyTile(), 1,
                GnaReference.mask(spec, layout));
        assertEquals(slow, fast, spec + " " + tiling + " on " + layout);
    }

    @Test
    void tileAlignedStrideIsFullyBlockSparseAfterPermutation() {
        // Window 8x16x16 with stride 4x8x8: a 2x8x8 query box sits in one stride group and every window starts on
        // a multiple of (2, 4, 4), so 2x4x4 key boxes are whole or absent: executed density = token density.
        AttentionShape shape = new AttentionShape(1, 1, 64, TokenLayout.video(new TokenGrid(16, 32, 32)));
        GnaKernel kernel = new GnaKernel(GnaSpec.parse("gna:window=8x16x16,stride=4x8x8"));
        GnaTiledPlan tiled = kernel.tiledPlan(shape);
        assertEquals(0, tiled.plan().maskedEntries(), tiled.tiling().toString());
        assertEquals(0.125, tiled.plan().tokenDensity(), 1e-12);
        assertEquals(tiled.plan().tokenDensity(), tiled.plan().executedDensity(), 1e-12);
        assertEquals(8.0, CostEstimate.of(shape, tiled.plan()).idealSpeedup(), 1e-9);
    }

    @Test
    void chosenTilingIsNoWorseThanTheLayoutOrder() {
        AttentionShape shape = new AttentionShape(1, 1, 64, new TokenLayout(new TokenGrid(16, 32, 32), 77, TextPlacement.PREFIX));
        for (String spec : new String[] {"gna:window=8x16x16", "gna:window=8x16x16,stride=4x8x8", "gna:window=3x7x7,dilation=1x2x2"}) {
            GnaMask mask = new GnaMask(GnaSpec.parse(spec), shape.layout());
            GnaTiledPlan chosen = GnaTilingChooser.choose(mask);
            for (int kTile : new int[] {64, 128}) {
                BlockSparsePlan layoutOrder = GnaPlanner.build(mask, GnaTiling.layoutOrder(32, kTile)).plan();
                assertTrue(GnaTilingChooser.cost(chosen.plan()) <= GnaTilingChooser.cost(layoutOrder),
                        spec + ": chosen " + chosen.tiling() + " costs more than layout order " + kTile);
            }
            assertTrue(chosen.plan().executedDensity() >= chosen.plan().tokenDensity());
        }
    }

    @Test
    void permutedSessionIsDeterministicAndReturnsLayoutOrder() {
        TokenLayout layout = new TokenLayout(new TokenGrid(4, 8, 8), 5, TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(2, 2, 32, layout);
        GnaKernel kernel = new GnaKernel(GnaSpec.parse("gna:window=3x5x5,stride=1x2x2"),
                GnaTiling.boxes(new int[] {2, 4, 4}, new int[] {1, 8, 8}));
        assertTrue(kernel.tiledPlan(shape).permuted());
        try (Problems p = Problems.random(shape, 9);
             Tensor a = p.q().zerosLike(); Tensor b = p.q().zerosLike();
             AttentionSession session = kernel.prepare(shape)) {
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
            assertArrayEquals(a.toArray(), b.toArray());
        }
        KernelVsReference.check(kernel, shape, GnaReference.mask(kernel.gnaSpec(), layout), 9);
    }
}
