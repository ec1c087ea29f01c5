package io.tilewise.caches.plans;

import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * Set operations on {@link BlockSparsePlan}s at token level, keeping the plan's tiling and plan heads: the
 * complement (what a sparse method drops: skipped and approximated tiles, and the cleared bits of masked tiles),
 * the exact part alone, and the intersection with a token mask. Each walks tiles and mask words, never every pair,
 * except {@link #intersect}, which evaluates the mask on the pairs the plan computes.
 */
public final class PlanMasks {

    private PlanMasks() {
    }

    /** Every pair the plan does not compute exactly (per plan head): exact ∪ complement = all pairs, disjoint. */
    public static BlockSparsePlan complement(BlockSparsePlan plan) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(plan.seqLen(), plan.qTile(), plan.kTile(), plan.planHeads());
        int words = plan.wordsPerColumn();
        long[] bits = new long[plan.kTile() * words];
        for (int h = 0; h < plan.planHeads(); h++) {
            for (int qt = 0; qt < plan.qTiles(); qt++) {
                int row = plan.row(h, qt);
                boolean[] exact = new boolean[plan.kTiles()];
                for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                    int kt = plan.exactTile(e);
                    exact[kt] = true;
                    int m = plan.maskIndex(e);
                    if (m < 0) continue;
                    int offset = plan.maskOffset(m);
                    for (int i = 0; i < bits.length; i++) bits[i] = ~plan.maskWord(offset + i);
                    b.addMaskBits(h, qt, kt, bits);
                }
                for (int kt = 0; kt < plan.kTiles(); kt++) {
                    if (!exact[kt]) b.addFull(h, qt, kt);
                }
            }
        }
        return b.build();
    }

    /** The exact tiles of a plan without its approximated ones. */
    public static BlockSparsePlan exactOnly(BlockSparsePlan plan) {
        return intersect(plan, TokenMask.ALL);
    }

    /**
     * The plan's exact pairs that {@code mask} allows (mask positions are the plan's positions; head-aware masks
     * get the plan head). Approximated tiles are dropped.
     */
    public static BlockSparsePlan intersect(BlockSparsePlan plan, TokenMask mask) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(plan.seqLen(), plan.qTile(), plan.kTile(), plan.planHeads());
        int words = plan.wordsPerColumn();
        long[] bits = new long[plan.kTile() * words];
        for (int h = 0; h < plan.planHeads(); h++) {
            for (int qt = 0; qt < plan.qTiles(); qt++) {
                int row = plan.row(h, qt);
                int q0 = qt * plan.qTile();
                int rows = Math.min(plan.qTile(), plan.seqLen() - q0);
                for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                    int kt = plan.exactTile(e);
                    int k0 = kt * plan.kTile();
                    int cols = Math.min(plan.kTile(), plan.seqLen() - k0);
                    int m = plan.maskIndex(e);
                    int offset = m < 0 ? -1 : plan.maskOffset(m);
                    java.util.Arrays.fill(bits, 0L);
                    for (int c = 0; c < cols; c++) {
                        for (int i = 0; i < rows; i++) {
                            int w = c * words + i / 64;
                            boolean inPlan = offset < 0 || (plan.maskWord(offset + w) >>> (i % 64) & 1L) != 0;
                            if (inPlan && mask.allowed(h, q0 + i, k0 + c)) bits[w] |= 1L << (i % 64);
                        }
                    }
                    b.addMaskBits(h, qt, kt, bits);
                }
            }
        }
        return b.build();
    }
}
