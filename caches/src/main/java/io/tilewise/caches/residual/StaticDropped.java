package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

/**
 * A method whose {@link TilePlan#fixed() fixed} tile plan every call runs (radial, GNA, dense, blocksparse): the
 * dropped plan is the complement of that plan in its token orders, computed once; the inner part is the method's own
 * session.
 */
final class StaticDropped extends SessionDropped {

    private final Split split;

    StaticDropped(AttentionSession session, TilePlan plan) {
        super(session);
        this.split = new Split(PlanMasks.complement(plan.plan()), RowOrders.of(plan), plan.plan(), plan);
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        return split;
    }

    @Override
    public boolean stillValid(Split s, AttentionContext ctx) {
        return s == split;
    }
}
