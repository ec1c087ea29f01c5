package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

/**
 * A method whose plan is fixed for the shape (radial, GNA, dense, blocksparse): the dropped plan is the
 * complement of its plan, computed once; the inner part is the method's own session.
 */
final class StaticDropped implements DroppedTiles {

    private final AttentionSession session;
    private final Split split;

    StaticDropped(AttentionSession session, BlockSparsePlan plan, RowOrders orders) {
        this.session = session;
        this.split = new Split(PlanMasks.complement(plan), orders, plan, plan);
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        return split;
    }

    @Override
    public boolean stillValid(Split s, AttentionContext ctx) {
        return s == split;
    }

    @Override
    public void inner(Split s, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        session.forward(q, k, v, ctx, out, lse);
    }

    @Override
    public double innerDensity() {
        return session.executedDensity();
    }

    @Override
    public void close() {
        session.close();
    }
}
