package io.tilewise.caches.exec;

import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.api.TokenMask;

/**
 * The token orders a plan is written in, per plan head: plan query position {@code p} is layout position
 * {@code query(h)[p]}, plan key position {@code r} is layout position {@code key(h)[r]}. Null arrays (and
 * {@link #IDENTITY}) mean the layout order. {@code heads == 1} is shared by every head.
 */
public record RowOrders(int[][] query, int[][] key) {

    public static final RowOrders IDENTITY = new RowOrders(null, null);

    /** One query order and one key order for every head (GNA's box tilings). */
    public static RowOrders shared(int[] queryOrder, int[] keyOrder) {
        return new RowOrders(queryOrder == null ? null : new int[][] {queryOrder}, keyOrder == null ? null : new int[][] {keyOrder});
    }

    /** The orders a method's tile plan is written in. */
    public static RowOrders of(TilePlan plan) {
        return new RowOrders(plan.queryOrders(), plan.keyOrders());
    }

    /** Per-head orders used for queries and keys alike (PARO). */
    public static RowOrders perHead(int[][] orders) {
        return new RowOrders(orders, orders);
    }

    public boolean identity() {
        return query == null && key == null;
    }

    /** {@code mask} (on layout positions) read at plan positions: plan head h, query p, key r → layout's pair. */
    public TokenMask inPlanOrder(TokenMask mask) {
        if (identity()) return mask;
        return TokenMask.perHead((head, query, key) -> {
            int[] qo = queryOf(head), ko = keyOf(head);
            return mask.allowed(head, qo == null ? query : qo[query], ko == null ? key : ko[key]);
        });
    }

    int[] queryOf(int head) {
        return query == null ? null : query[query.length == 1 ? 0 : head];
    }

    int[] keyOf(int head) {
        return key == null ? null : key[key.length == 1 ? 0 : head];
    }
}
