package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.TokenMask;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BlockSparsePlanBuilderTest {

    @Test
    void planFromTokenMaskAllowsExactlyTheMask() {
        TokenMask band = (q, k) -> Math.abs(q - k) <= 9 || k % 17 == 0;
        int n = 203;
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(n, 64, 48, 1, band);
        long allowed = 0;
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                assertEquals(band.allowed(q, k), plan.allows(0, q, k), q + "," + k);
                if (band.allowed(q, k)) allowed++;
            }
        }
        assertEquals(allowed / (double) (n * n), plan.tokenDensity(), 1e-12);
    }

    @Test
    void densePlanCountsEveryPairOnce() {
        BlockSparsePlan plan = BlockSparsePlan.dense(1021, 128, 512);
        assertEquals(1.0, plan.executedDensity(), 0);
        assertEquals(1.0, plan.tokenDensity(), 0);
        assertEquals(0, plan.maskedEntries());
    }

    @Test
    void randomMaskKeepsTheRequestedFractionPerRowAndIsSeeded() {
        BlockSparsePlan a = BlockSparseMask.random(128 * 40, 128, 2, 0.25, 7);
        assertEquals(0.25, a.tileDensity(), 1e-12);
        for (int r = 0; r < a.planHeads() * a.qTiles(); r++) assertEquals(10, a.exactEnd(r) - a.exactStart(r));
        assertEquals(a, BlockSparseMask.random(128 * 40, 128, 2, 0.25, 7));
        assertEquals(a.hashCode(), BlockSparseMask.random(128 * 40, 128, 2, 0.25, 7).hashCode());
        assertNotEquals(a, BlockSparseMask.random(128 * 40, 128, 2, 0.25, 8));
    }

    @Test
    void tilesAddedTwiceOrOutOfRangeAreErrors() {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(100, 32, 32, 1).addFull(0, 0, 1).addFull(0, 0, 1);
        assertThrows(IllegalStateException.class, b::build);
        assertThrows(IllegalArgumentException.class, () -> BlockSparsePlan.builder(100, 32, 32, 1).addFull(0, 4, 0));
        BlockSparsePlan.Builder both = BlockSparsePlan.builder(100, 32, 32, 1).addFull(0, 0, 1).addApprox(0, 0, 1);
        assertThrows(IllegalStateException.class, both::build);
    }

    @Test
    void givenMaskNeedsAKeyTileInEveryRow() {
        boolean[][][] mask = {{{true, false}, {false, false}}};
        assertEquals("mask row 1 of head 0 keeps no key tile",
                assertThrows(IllegalArgumentException.class, () -> BlockSparseMask.given(60, 32, mask)).getMessage());
    }
}
