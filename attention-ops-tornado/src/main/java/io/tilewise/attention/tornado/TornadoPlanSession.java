package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;

/**
 * Dense attention, or one fixed plan (blocksparse, radial, gna), on the device: one task graph for the shape,
 * built and compiled when the session is prepared; the plan and any token orders are uploaded on the first call
 * only, q/k/v every call.
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

    /**
     * A fixed plan in the token orders it is written in ({@code queryOrder[p]} / {@code keyOrder[r]} = layout row of
     * plan row p / r; null = layout order), as GNA's tiled plans are.
     */
    static TornadoPlanSession of(AttentionShape shape, BlockSparsePlan plan, int[] queryOrder, int[] keyOrder,
                                 AttentionGraph.Variant variant) {
        if (plan.seqLen() != shape.seqLen()) {
            throw new IllegalArgumentException("plan is for seqLen " + plan.seqLen() + ", shape has " + shape.seqLen());
        }
        int[] q = identity(queryOrder) ? null : queryOrder;
        int[] k = identity(keyOrder) ? null : keyOrder;
        AttentionGraph.Builder b = builder(shape).variant(variant).plan(plan);
        if (q != null || k != null) b.orders(q, q == null ? null : inverse(q), k, 1);
        return new TornadoPlanSession(shape, b, plan.executedDensity());
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

    static boolean identity(int[] order) {
        if (order == null) return true;
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) return false;
        }
        return true;
    }

    static int[] inverse(int[] order) {
        int[] inverse = new int[order.length];
        for (int p = 0; p < order.length; p++) inverse[order[p]] = p;
        return inverse;
    }
}
