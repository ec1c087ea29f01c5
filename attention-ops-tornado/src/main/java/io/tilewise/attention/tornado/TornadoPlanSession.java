package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;

/**
 * Dense attention, or one fixed tile plan (blocksparse, radial, gna, any method whose {@link TilePlan} is fixed), on
 * the device: one task graph for the shape, built and compiled when the session is prepared; the plan and any token
 * orders are uploaded on the first call only, q/k/v every call.
 */
final class TornadoPlanSession extends TornadoSession {

    private final AttentionGraph graph;
    private final double executedDensity;

    private TornadoPlanSession(AttentionShape shape, AttentionGraph.Builder builder, double executedDensity) {
        super(shape);
        this.graph = own(builder.build());
        this.executedDensity = executedDensity;
    }

    static TornadoPlanSession dense(AttentionShape shape, AttentionGraph.Variant variant) {
        return new TornadoPlanSession(shape, builder(shape).variant(variant), 1.0);
    }

    /** A fixed plan in the token orders it is written in (see {@link TilePlan}). */
    static TornadoPlanSession of(AttentionShape shape, TilePlan plan, AttentionGraph.Variant variant) {
        if (plan.plan().seqLen() != shape.seqLen()) {
            throw new IllegalArgumentException("plan is for seqLen " + plan.plan().seqLen() + ", shape has " + shape.seqLen());
        }
        AttentionGraph.Builder b = withOrders(builder(shape).variant(variant).plan(plan.plan()), plan, shape.seqLen());
        return new TornadoPlanSession(shape, b, plan.executedDensity());
    }

    /**
     * A fixed plan in one query and one key order ({@code queryOrder[p]} / {@code keyOrder[r]} = layout row of plan row
     * p / r; null = layout order), as GNA's tiled plans are.
     */
    static TornadoPlanSession of(AttentionShape shape, BlockSparsePlan plan, int[] queryOrder, int[] keyOrder,
                                 AttentionGraph.Variant variant) {
        return of(shape, TilePlan.of(plan, queryOrder, keyOrder), variant);
    }

    /**
     * Adds a plan's token orders to a graph: one map shared by every head, or one per head concatenated
     * ({@code map[h·n + p]} = layout row of plan row p of head h); identity orders add nothing.
     */
    static AttentionGraph.Builder withOrders(AttentionGraph.Builder b, TilePlan plan, int n) {
        if (plan.layoutOrder()) return b;
        int mapHeads = Math.max(count(plan.queryOrders()), count(plan.keyOrders()));
        int[] q = concat(plan.queryOrders(), mapHeads, n);
        int[] k = concat(plan.keyOrders(), mapHeads, n);
        if (identity(q, n)) q = null;
        if (identity(k, n)) k = null;
        return b.orders(q, q == null ? null : inverse(q, n), k, mapHeads);
    }

    private static AttentionGraph.Builder builder(AttentionShape shape) {
        return AttentionGraph.builder(shape.batch() * shape.heads(), shape.heads(), shape.seqLen(), shape.headDim())
                .device(TornadoDevices.selected());
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        graph.run(q, k, v, ctx.scaleFor(shape().headDim()), out, lse, 0);
    }

    @Override
    public double executedDensity() {
        return executedDensity;
    }

    private static int count(int[][] orders) {
        return orders == null ? 1 : orders.length;
    }

    /** {@code heads} maps of n rows, one after the other (a shared map repeated; a null map as the identity). */
    private static int[] concat(int[][] orders, int heads, int n) {
        if (orders == null) return null;
        int[] all = new int[heads * n];
        for (int h = 0; h < heads; h++) {
            int[] order = orders[orders.length == 1 ? 0 : h];
            for (int p = 0; p < n; p++) all[h * n + p] = order == null ? p : order[p];
        }
        return all;
    }

    /** Whether every n-row map of {@code order} is the identity. */
    private static boolean identity(int[] order, int n) {
        if (order == null) return true;
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i % n) return false;
        }
        return true;
    }

    /** Inverse of each n-row map of {@code order}: {@code inverse[h·n + order[h·n + p]] = p}. */
    private static int[] inverse(int[] order, int n) {
        int[] inverse = new int[order.length];
        for (int h = 0; h < order.length / n; h++) {
            for (int p = 0; p < n; p++) inverse[h * n + order[h * n + p]] = p;
        }
        return inverse;
    }
}
