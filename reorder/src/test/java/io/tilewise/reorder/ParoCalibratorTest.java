package io.tilewise.reorder;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParoCalibratorTest {

    private static final TokenLayout GRID8 = TokenLayout.video(new TokenGrid(8, 8, 8));
    private static final int HEAD_DIM = 32;

    /**
     * Per head: logit bonus for sharing (frame, height, width). Strong on one axis, weaker on a second: the best
     * order puts the strong axis outermost and the second in the middle, so a query's favourite keys (same strong
     * and second coordinate) are 8 contiguous tokens inside its block and the rest of its strong-axis slab is in
     * the neighbouring blocks.
     */
    private static final double[][] LOGITS = {
            {3, 0, 6},   // width strongest, then frames → WFH
            {3, 6, 0},   // height, then frames → HFW
            {6, 3, 0},   // frames, then height → FHW
            {0, 3, 6},   // width, then height → WHF
    };
    private static final AxisOrder[] EXPECTED = {AxisOrder.WFH, AxisOrder.HFW, AxisOrder.FHW, AxisOrder.WHF};

    private static float scale() {
        return (float) (1.0 / Math.sqrt(HEAD_DIM));
    }

    @Test
    void picksTheOrderThatMakesAttentionBlockLocalPerHead() {
        try (Tensor qk = SyntheticQk.oneHot(GRID8, HEAD_DIM, LOGITS, 1)) {
            ParoCalibrator.Options exact = new ParoCalibrator.Options(16, 1, 0.9, 1);
            List<ParoCalibrator.HeadCalibration> heads = ParoCalibrator.calibrate(qk, qk, scale(), GRID8, exact);
            for (int h = 0; h < LOGITS.length; h++) {
                ParoCalibrator.HeadCalibration c = heads.get(h);
                assertEquals(EXPECTED[h], c.order(), "head " + h + " scores " + c.scores());
                double best = c.scores().get(c.order().id()).blocksToCover();
                for (ParoCalibrator.OrderScore s : c.scores()) {
                    if (s.order() != c.order()) {
                        assertTrue(s.blocksToCover() > best, "head " + h + ": " + s + " ties the winner " + best);
                    }
                }
                assertEquals(GRID8.seqLen(), c.sampledRows());
            }
        }
    }

    @Test
    void sampledCalibrationAgreesWithExactAndSamplesEveryBlockRowOfEveryOrder() {
        TokenLayout layout = new TokenLayout(new TokenGrid(8, 8, 8), 40, TextPlacement.PREFIX);
        try (Tensor qk = SyntheticQk.oneHot(layout, HEAD_DIM, LOGITS, 2)) {
            ParoCalibrator.Options sampled = new ParoCalibrator.Options(16, 8, 0.9, 7);
            List<ParoCalibrator.HeadCalibration> heads = ParoCalibrator.calibrate(qk, qk, scale(), layout, sampled);
            for (int h = 0; h < LOGITS.length; h++) assertEquals(EXPECTED[h], heads.get(h).order(), "head " + h);
            int rows = heads.get(0).sampledRows();
            assertTrue(rows < layout.seqLen() / 3, "sampled " + rows + " of " + layout.seqLen());
            // every block row has a sample: every row of the mean mass sums to 1
            double[] mass = heads.get(0).mass();
            int blocks = ParoPlan.blocksOf(layout.seqLen(), 16);
            for (int qb = 0; qb < blocks; qb++) {
                double sum = 0;
                for (int kb = 0; kb < blocks; kb++) sum += mass[qb * blocks + kb];
                assertEquals(1.0, sum, 1e-9, "block row " + qb);
            }
        }
    }

    @Test
    void blockMassIsTheSoftmaxMassOfTheBlockInTheChosenOrder() {
        // one head, exact statistics: compare one cell with a direct computation from the definition
        TokenLayout layout = TokenLayout.video(new TokenGrid(2, 4, 8));
        try (Tensor q = Tensor.randomNormal(3, 1.5f, 1, 1, 64, 16); Tensor k = Tensor.randomNormal(4, 1.5f, 1, 1, 64, 16)) {
            float scale = 0.25f;
            ParoCalibrator.HeadCalibration c = ParoCalibrator.calibrate(q, k, scale, layout,
                    new ParoCalibrator.Options(16, 1, 0.9, 1)).get(0);
            TokenPermutation p = TokenPermutation.of(layout, c.order());
            int qb = 1, kb = 2;
            double expected = 0;
            for (int i = 0; i < 64; i++) {
                if (p.forward(i) / 16 != qb) continue;
                double[] s = new double[64];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 64; j++) {
                    for (int d = 0; d < 16; d++) s[j] += (double) q.get(0, 0, i, d) * k.get(0, 0, j, d);
                    s[j] *= scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < 64; j++) sum += Math.exp(s[j] - max);
                for (int j = 0; j < 64; j++) if (p.forward(j) / 16 == kb) expected += Math.exp(s[j] - max) / sum;
            }
            assertEquals(expected / 16, c.mass()[qb * 4 + kb], 1e-6);
        }
    }

    @Test
    void maskKeepsTheHeaviestBlocksPlusForcedOnes() {
        TokenLayout layout = new TokenLayout(new TokenGrid(8, 8, 8), 20, TextPlacement.SUFFIX);
        int block = 16;
        try (Tensor qk = SyntheticQk.oneHot(layout, HEAD_DIM, LOGITS, 3)) {
            ParoCalibrator.HeadCalibration c = ParoCalibrator.calibrate(qk, qk, scale(), layout,
                    new ParoCalibrator.Options(block, 1, 0.9, 1)).get(0);
            double density = 0.2;
            BlockMask mask = ParoMask.select(c.mass(), layout, block, density);
            int blocks = mask.blocks();
            int keep = ParoMask.keepPerRow(density, blocks);
            boolean[] text = ParoMask.textBlocks(layout, block, blocks);
            assertTrue(text[blocks - 1] && text[blocks - 2] && !text[blocks - 3], "suffix text covers the last 2 blocks");
            for (int qb = 0; qb < blocks; qb++) {
                boolean forcedRow = text[qb] || qb == blocks - 1;
                assertEquals(forcedRow ? blocks : keep, mask.rowCount(qb), "row " + qb);
                assertTrue(mask.get(qb, qb), "diagonal of row " + qb);
                assertTrue(mask.get(qb, blocks - 1), "last column of row " + qb);
                for (int kb = 0; kb < blocks; kb++) if (text[kb]) assertTrue(mask.get(qb, kb), "text column " + kb);
                if (forcedRow) continue;
                double minKept = Double.POSITIVE_INFINITY, maxDropped = 0;
                for (int kb = 0; kb < blocks; kb++) {
                    boolean forced = kb == qb || kb == blocks - 1 || text[kb];
                    if (forced) continue;
                    double m = c.mass()[qb * blocks + kb];
                    if (mask.get(qb, kb)) minKept = Math.min(minKept, m);
                    else maxDropped = Math.max(maxDropped, m);
                }
                assertTrue(minKept >= maxDropped, "row " + qb + " kept " + minKept + " < dropped " + maxDropped);
            }
            assertEquals(blocks * blocks, ParoMask.select(c.mass(), layout, block, 1.0).count());
        }
    }

    @Test
    void timestepGroupsFollowThePipelineCallbackIncludingTheLastStep() {
        int[] expected = {0, 0, 1, 1, 2, 2, 2, 3, 3, 3};
        for (int step = 0; step < 10; step++) assertEquals(expected[step], ParoPlan.group(step, 10, 4), "step " + step);
        for (int step = 0; step < 7; step++) assertEquals(0, ParoPlan.group(step, 7, 1));
        // G = totalSteps: group 0 is never used and the last step is clamped to G-1
        assertEquals(1, ParoPlan.group(0, 5, 5));
        assertEquals(4, ParoPlan.group(3, 5, 5));
        assertEquals(4, ParoPlan.group(4, 5, 5));
        // a step count that is not a multiple of G: exact integer boundaries, no float drift
        assertEquals(2, ParoPlan.group(28, 50, 5));
        assertEquals(3, ParoPlan.group(29, 50, 5));
        // exact integer boundaries: in doubles, int(57/100·100) is 56 (0.57·100 = 56.99999999999999)
        assertEquals(57, ParoPlan.group(56, 100, 100));
        assertThrows(IllegalArgumentException.class, () -> ParoPlan.group(10, 10, 4));
        assertThrows(IllegalArgumentException.class, () -> ParoPlan.group(0, 10, 0));
    }
}
