package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

import java.util.HashMap;
import java.util.Map;

/**
 * A method whose plan is fixed per call context ({@link ContextPlans}: PARO with a plan file, per timestep group and
 * layer, each head in its own token order): the dropped plan is the complement of the key's plan, in its orders. A
 * split is valid while the call keeps the same key (a group change forces a refresh); the inner part is the method's
 * own session.
 */
final class ContextDropped extends SessionDropped {

    private final ContextPlans plans;
    private final Map<String, Split> splits = new HashMap<>();

    ContextDropped(ContextPlans plans, AttentionSession session) {
        super(session);
        this.plans = plans;
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        return splits.computeIfAbsent(plans.key(ctx), key -> {
            TilePlan kept = plans.plan(ctx, q, k, ctx.scaleFor(q.headDim()));
            return new Split(PlanMasks.complement(kept.plan()), RowOrders.of(kept), kept.plan(), key);
        });
    }

    @Override
    public boolean stillValid(Split split, AttentionContext ctx) {
        return split.tag().equals(plans.key(ctx));
    }

    @Override
    public void close() {
        super.close();
        splits.clear();
    }
}
