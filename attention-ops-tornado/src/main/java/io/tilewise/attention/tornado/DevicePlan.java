package io.tilewise.attention.tornado;

import io.tilewise.attention.blocksparse.BlockSparsePlan;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * A {@link BlockSparsePlan}'s CSR arrays as TornadoVM arrays, in the plan's own layout. A plan whose entry counts
 * match can be {@link #load loaded} into the same arrays, so a task graph built for one plan serves every plan of
 * that size (PISA's per-call plans). Empty arrays hold one unused element: device buffers are never empty.
 */
final class DevicePlan {

    final IntArray exactStart;
    final IntArray exactTile;
    final IntArray maskIndex;
    final LongArray maskBits;
    final IntArray approxStart;
    final IntArray approxTile;
    private final int rows;
    private final int exact;
    private final int maskWords;
    private final int approx;

    private DevicePlan(int rows, int exact, int maskWords, int approx) {
        this.rows = rows;
        this.exact = exact;
        this.maskWords = maskWords;
        this.approx = approx;
        exactStart = new IntArray(rows + 1);
        exactTile = new IntArray(Math.max(1, exact));
        maskIndex = new IntArray(Math.max(1, exact));
        maskBits = new LongArray(Math.max(1, maskWords));
        approxStart = new IntArray(rows + 1);
        approxTile = new IntArray(Math.max(1, approx));
    }

    static DevicePlan of(BlockSparsePlan plan) {
        DevicePlan d = new DevicePlan(rows(plan), plan.exactEntries(), maskWords(plan), approxEntries(plan));
        d.load(plan);
        return d;
    }

    /** Whether {@code plan} has this plan's entry counts (and so can be loaded into these arrays). */
    boolean fits(BlockSparsePlan plan) {
        return rows(plan) == rows && plan.exactEntries() == exact && maskWords(plan) == maskWords
                && approxEntries(plan) == approx;
    }

    /** Copies {@code plan} into the arrays (host side; the task graph uploads them). */
    void load(BlockSparsePlan plan) {
        if (!fits(plan)) throw new IllegalArgumentException("plan " + plan + " does not fit device arrays sized for another plan");
        for (int r = 0; r <= rows; r++) {
            exactStart.set(r, r < rows ? plan.exactStart(r) : plan.exactEnd(rows - 1));
            approxStart.set(r, r < rows ? plan.approxStart(r) : plan.approxEnd(rows - 1));
        }
        for (int e = 0; e < exact; e++) {
            exactTile.set(e, plan.exactTile(e));
            maskIndex.set(e, plan.maskIndex(e));
        }
        for (int w = 0; w < maskWords; w++) maskBits.set(w, plan.maskWord(w));
        for (int a = 0; a < approx; a++) approxTile.set(a, plan.approxTile(a));
    }

    /** Bytes uploaded per transfer of the plan. */
    long bytes() {
        return 4L * (exactStart.getSize() + exactTile.getSize() + maskIndex.getSize() + approxStart.getSize()
                + approxTile.getSize()) + 8L * maskBits.getSize();
    }

    Object[] arrays() {
        return new Object[] {exactStart, exactTile, maskIndex, maskBits, approxStart, approxTile};
    }

    private static int rows(BlockSparsePlan plan) {
        return plan.planHeads() * plan.qTiles();
    }

    private static int maskWords(BlockSparsePlan plan) {
        return plan.maskedEntries() * plan.kTile() * plan.wordsPerColumn();
    }

    private static int approxEntries(BlockSparsePlan plan) {
        int rows = rows(plan);
        return rows == 0 ? 0 : plan.approxEnd(rows - 1);
    }
}
