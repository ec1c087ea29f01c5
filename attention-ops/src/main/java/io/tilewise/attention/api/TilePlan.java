package io.tilewise.attention.api;

import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * A method's tile plan for one shape, with the token orders it is written in: plan query position {@code p} of plan
 * head {@code h} is layout position {@code queryOrders[h][p]}, plan key position {@code r} is layout position
 * {@code keyOrders[h][r]}. One order (length-1 array) is shared by every head; null means the layout order.
 *
 * @param fixed whether every call of the method's session runs exactly this plan — and its session's LSE covers
 *              exactly these pairs — so wrappers may rely on it (residual reuse drops its complement, the
 *              block-causal wrapper restricts it, a device backend runs it); false for representative plans of
 *              methods whose plan depends on the inputs or the call (PISA, PARO), which only describe the cost
 */
public record TilePlan(BlockSparsePlan plan, int[][] queryOrders, int[][] keyOrders, boolean fixed) {

    /** A fixed plan in layout order. */
    public static TilePlan of(BlockSparsePlan plan) {
        return new TilePlan(plan, null, null, true);
    }

    /** A fixed plan in one query order and one key order for every head (null = layout order). */
    public static TilePlan of(BlockSparsePlan plan, int[] queryOrder, int[] keyOrder) {
        return new TilePlan(plan, shared(queryOrder), shared(keyOrder), true);
    }

    /** A representative plan (see {@link #fixed()}) in one token order for queries and keys (null = layout order). */
    public static TilePlan representative(BlockSparsePlan plan, int[] order) {
        return new TilePlan(plan, shared(order), shared(order), false);
    }

    /** Per-head orders used for queries and keys alike. */
    public static TilePlan perHead(BlockSparsePlan plan, int[][] orders, boolean fixed) {
        return new TilePlan(plan, orders, orders, fixed);
    }

    /** Whether the plan is written in the layout order (no token permutation). */
    public boolean layoutOrder() {
        return identity(queryOrders) && identity(keyOrders);
    }

    /** Fraction of (query, key) pairs the plan computes after tiling. */
    public double executedDensity() {
        return plan.executedDensity();
    }

    private static int[][] shared(int[] order) {
        return order == null ? null : new int[][] {order};
    }

    private static boolean identity(int[][] orders) {
        if (orders == null) return true;
        for (int[] order : orders) {
            if (order == null) continue;
            for (int i = 0; i < order.length; i++) {
                if (order[i] != i) return false;
            }
        }
        return true;
    }
}
