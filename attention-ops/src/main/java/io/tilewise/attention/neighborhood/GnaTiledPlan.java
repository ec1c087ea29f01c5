package io.tilewise.attention.neighborhood;

import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * A GNA plan together with the token orders it is written in: plan query position {@code p} is layout position
 * {@code queryOrder[p]}, plan key position {@code r} is layout position {@code keyOrder[r]} (null orders are the
 * identity).
 */
public record GnaTiledPlan(BlockSparsePlan plan, GnaTiling tiling, int[] queryOrder, int[] keyOrder) {

    /** Whether the plan lets layout position {@code query} attend layout position {@code key}. */
    public boolean allowsLayoutPair(int[] queryInverse, int[] keyInverse, int query, int key) {
        int p = queryInverse == null ? query : queryInverse[query];
        int r = keyInverse == null ? key : keyInverse[key];
        return plan.allows(0, p, r);
    }

    /** Inverse of an order (layout position → plan position); null stays null. */
    public static int[] inverse(int[] order) {
        if (order == null) return null;
        int[] inverse = new int[order.length];
        for (int p = 0; p < order.length; p++) inverse[order[p]] = p;
        return inverse;
    }

    public boolean permuted() {
        return queryOrder != null || keyOrder != null;
    }
}
