package io.tilewise.attention.radial;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token rule and the block rule against the worked facts of docs/methods.md §3.2. */
class RadialMaskTest {

    /** Fraction of (query of frame i, key of frame j) pairs the token rule lets through, rounded to 2 places. */
    private static double[][] frameFractions(RadialMask mask, int frames, int perFrame) {
        double[][] fraction = new double[frames][frames];
        for (int i = 0; i < frames; i++) {
            for (int j = 0; j < frames; j++) {
                int hits = 0;
                for (int r = 0; r < perFrame; r++) {
                    for (int c = 0; c < perFrame; c++) {
                        if (mask.tokenHit(i * perFrame + r, j * perFrame + c)) hits++;
                    }
                }
                fraction[i][j] = Math.round(100.0 * hits / (perFrame * perFrame)) / 100.0;
            }
        }
        return fraction;
    }

    @Test
    void workedExampleWithoutSink() {
        // f = 8, s = 64 (8x8 frames), B = 8, decay = 1: P = 128, widths 32 (dist 2-3) and 16 (dist 4-7)
        RadialMask mask = RadialMask.of(TokenLayout.video(new TokenGrid(8, 8, 8)), new RadialSpec(1.0, 8, false));
        double[][] f = frameFractions(mask, 8, 64);
        assertArrayEquals(new double[] {1.00, 1.00, 0.76, 0.76, 0.45, 0.45, 0.45, 0.45}, f[0]);
        assertArrayEquals(new double[] {1.00, 1.00, 1.00, 0.76, 0.76, 0.45, 0.45, 0.45}, f[1]);
        assertArrayEquals(new double[] {0.76, 1.00, 1.00, 1.00, 0.76, 0.76, 0.45, 0.45}, f[2]);
        double[] byDistance = {1.00, 1.00, 0.76, 0.76, 0.45, 0.45, 0.45, 0.45};
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) assertEquals(byDistance[Math.abs(i - j)], f[i][j], "frame pair " + i + "," + j);
        }
    }

    @Test
    void workedExampleWithWanSink() {
        RadialMask mask = RadialMask.of(TokenLayout.video(new TokenGrid(8, 8, 8)), new RadialSpec(1.0, 8, true));
        double[][] f = frameFractions(mask, 8, 64);
        assertArrayEquals(new double[] {1.00, 1.00, 1.00, 1.00, 0.76, 0.76, 0.45, 0.45}, f[2]);
        assertArrayEquals(new double[] {1.00, 0.45, 0.45, 0.45, 0.76, 0.76, 1.00, 1.00}, f[7]);
        for (int i = 0; i < 8; i++) assertEquals(1.00, f[i][0], "sink column, query frame " + i);
    }

    @Test
    void wan720pFrameWidthsAndNoSplitUpTo21Frames() {
        RadialMask mask = RadialMask.of(TokenLayout.video(new TokenGrid(21, 45, 80)), new RadialSpec(0.2, 128, true));
        assertEquals(4096.0, RadialMask.framePeriod(3600));
        assertEquals(4096.0, RadialMask.framePeriod(3840));
        assertEquals(3600.0, mask.windowWidth(0));
        assertEquals(3600.0, mask.windowWidth(1));
        assertEquals(204.8, mask.windowWidth(2), 1e-9);
        assertEquals(204.8, mask.windowWidth(3), 1e-9);
        for (int d = 4; d <= 20; d++) assertEquals(128.0, mask.windowWidth(d), "dist " + d);
        for (int d = 0; d <= 20; d++) {
            assertEquals(0, mask.splitFactor(d), "dist " + d);
            assertFalse(mask.dropped(d), "dist " + d);
        }
        // the band is in raster order: ±204 tokens at distance 2, not a square patch
        int q = 2 * 3600 + 1000;
        int frame4 = 4 * 3600;
        assertTrue(mask.tokenHit(q, frame4 + 1000 + 204));
        assertFalse(mask.tokenHit(q, frame4 + 1000 + 205));
        assertTrue(mask.tokenHit(q, frame4 + 1000 - 204));
        assertFalse(mask.tokenHit(q, frame4 + 1000 - 205));
        assertTrue(mask.tokenHit(q, 3599), "sink: key frame 0 whole");
    }

    @Test
    void diagonalFrequencyRuleUsesTheUndecayedLength() {
        // s = 16: P = 32; B = 16. dist 2-3: u = 8 → split 2; dist 4-7: u = 4 → split 4; decay does not matter
        for (double decay : new double[] {0.1, 1.0, 50.0}) {
            RadialMask mask = RadialMask.of(TokenLayout.video(new TokenGrid(8, 4, 4)), new RadialSpec(decay, 16, false));
            assertEquals(16.0, mask.undecayedLength(1));
            assertEquals(0, mask.splitFactor(1));
            assertEquals(2, mask.splitFactor(2));
            assertEquals(2, mask.splitFactor(3));
            assertEquals(4, mask.splitFactor(5));
            boolean[] dropped = new boolean[8];
            for (int d = 0; d < 8; d++) dropped[d] = mask.dropped(d);
            assertArrayEquals(new boolean[] {false, false, false, true, false, true, true, true}, dropped);
            assertFalse(mask.tokenHit(0, 3 * 16 + 5));
            assertTrue(mask.tokenHit(0, 4 * 16 + 5), "dist 4 kept, window floored at B covers the frame");
        }
    }

    @Test
    void adjacentFramesAreDroppedOnlyWhenFramesAreBelowHalfABlock() {
        // s = 16, B = 32: u(1) = 16 < 32 → split 2 → dist 1 dropped (as in the released code); dist 0 never
        RadialMask small = RadialMask.of(TokenLayout.video(new TokenGrid(4, 4, 4)), new RadialSpec(1.0, 32, false));
        assertTrue(small.dropped(1));
        assertFalse(small.dropped(0));
        assertEquals(4, small.splitFactor(2));
        assertTrue(small.dropped(2));
        assertTrue(small.dropped(3));
        // with the sink the key frame 0 stays whole even at a dropped distance
        RadialMask sink = RadialMask.of(TokenLayout.video(new TokenGrid(4, 4, 4)), new RadialSpec(1.0, 32, true));
        assertTrue(sink.tokenHit(16 + 3, 0));
        assertFalse(sink.tokenHit(0, 16 + 3));
    }

    @Test
    void blockRuleCountsHitColumnsAndDensity() {
        // s = 32, B = 16, decay 0.5: dist 2-3 width max(16·0.5, 16) = 16 in 32-token frames. The off-diagonal
        // block (rows 0-15, cols 16-31) of such a pair: column 16+k is hit by rows k..15 → density (16-k)/16 > 1/3
        // for k ≤ 10: 11 of 16 hit columns dense = 0.6875 > 0.6 → kept; the far corner blocks keep all.
        RadialMask mask = RadialMask.of(TokenLayout.video(new TokenGrid(4, 4, 8)), new RadialSpec(0.5, 16, false));
        int frame0 = 0;
        int frame2 = 4; // block index of frame 2's first half
        assertTrue(mask.blockKept(frame0, frame2 + 1));
        assertTrue(mask.blockKept(frame0 + 1, frame2));
        // s = 64, B = 16, decay 1: dist 2 width 32. Rows 0-15 vs cols 48-63 of the pair: column 48+k hit by rows
        // ≥ 16+k → none; the block has no hit column and is dropped.
        RadialMask wide = RadialMask.of(TokenLayout.video(new TokenGrid(3, 8, 8)), new RadialSpec(1.0, 16, false));
        assertFalse(wide.blockKept(0, 2 * 4 + 3));
        // rows 0-15 vs cols 32-47: column 32+k hit by rows k..15 → 11 dense of 16 → kept
        assertTrue(wide.blockKept(0, 2 * 4 + 2));
        // rows 0-15 vs cols 48-63 at dist 2 but rows 16-31 vs cols 48-63: columns 48+k hit by rows 16+k..31 → kept
        assertTrue(wide.blockKept(1, 2 * 4 + 3));
    }

    @Test
    void textRowsAndColumnsAreDenseAndDiagonalBlocksAlwaysKept() {
        for (TextPlacement placement : new TextPlacement[] {TextPlacement.PREFIX, TextPlacement.SUFFIX}) {
            TokenLayout layout = new TokenLayout(new TokenGrid(40, 1, 1), 5, placement);
            // one token per frame, B = 16: P = 2, every dist ≥ 2 splits, dist 1 too → the rule alone would drop
            // diagonal blocks; the guard keeps them so every row attends at least itself
            RadialMask mask = RadialMask.of(layout, new RadialSpec(1.0, 16, false));
            for (int a = 0; a < mask.blocks(); a++) assertTrue(mask.blockKept(a, a), placement + " block " + a);
            for (int q = 0; q < layout.seqLen(); q++) {
                assertTrue(mask.allowed(q, q));
                for (int k = 0; k < layout.seqLen(); k++) {
                    if (layout.isText(q) || layout.isText(k)) assertTrue(mask.allowed(q, k), placement + " " + q + "," + k);
                }
            }
        }
    }

    @Test
    void realShapeBlockSparsitiesOfTheNotes() {
        // docs/methods.md §3.2 "real-shape sparsities" (block 128): Wan 768x1280x69f = 18 x 3840 tokens with the sink,
        // 0.713 at decay ≤ 0.2 and 0.569 at decay 1; HunyuanVideo 117f = 30 x 3840 video tokens at 0.95: 0.725.
        // Also shows the block rule runs on 69,120 and 115,200 tokens without N² token loops.
        TokenLayout wan = TokenLayout.video(new TokenGrid(18, 48, 80));
        assertEquals(0.713, 1 - RadialMask.of(wan, new RadialSpec(0.2, 128, true)).keptVideoBlockFraction(), 5e-4);
        assertEquals(0.713, 1 - RadialMask.of(wan, new RadialSpec(0.05, 128, true)).keptVideoBlockFraction(), 5e-4);
        assertEquals(0.569, 1 - RadialMask.of(wan, new RadialSpec(1.0, 128, true)).keptVideoBlockFraction(), 5e-4);
        TokenLayout hunyuan = TokenLayout.video(new TokenGrid(30, 48, 80));
        assertEquals(0.725, 1 - RadialMask.of(hunyuan, new RadialSpec(0.95, 128, false)).keptVideoBlockFraction(), 5e-4);
    }
}
