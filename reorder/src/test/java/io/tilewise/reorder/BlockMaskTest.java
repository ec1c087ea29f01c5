package io.tilewise.reorder;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockMaskTest {

    /** The word-wise empty-row search agrees with counting each row, at sizes that do and do not align to 64 bits. */
    @Test
    void firstEmptyRowMatchesRowCounts() {
        SplittableRandom random = new SplittableRandom(5);
        for (int blocks : new int[] {1, 2, 7, 8, 63, 64, 65, 100}) {
            for (int trial = 0; trial < 50; trial++) {
                BlockMask.Builder b = new BlockMask.Builder(blocks);
                double p = random.nextDouble() * 3 / blocks;
                for (int q = 0; q < blocks; q++) {
                    for (int k = 0; k < blocks; k++) if (random.nextDouble() < p) b.set(q, k);
                }
                BlockMask mask = b.build();
                int expected = -1;
                for (int q = 0; q < blocks && expected < 0; q++) if (mask.rowCount(q) == 0) expected = q;
                assertEquals(expected, mask.firstEmptyRow(), blocks + " blocks: " + mask);
            }
        }
    }

    @Test
    void aPlanRefusesAMaskWithAnEmptyRow() {
        var layout = io.tilewise.attention.api.TokenLayout.video(new io.tilewise.attention.api.TokenGrid(1, 4, 8));
        ParoPlan.Builder plan = ParoPlan.builder("m", layout, 16, 1, 1, 1);
        BlockMask.Builder mask = new BlockMask.Builder(plan.blocks());
        mask.set(0, 0);
        String message = assertThrows(IllegalArgumentException.class,
                () -> plan.set(0, 0, 0, AxisOrder.FHW, mask.build())).getMessage();
        assertTrue(message.contains("row 1 has no key block"), message);
    }
}
