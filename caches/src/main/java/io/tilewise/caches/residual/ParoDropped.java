package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;
import io.tilewise.reorder.ParoPlan;
import io.tilewise.reorder.TokenPermutation;

import java.util.HashMap;
import java.util.Map;

/**
 * PARO with a plan file: per (timestep group, layer) each head has its own token order and block mask, so the
 * dropped plan is the complement of that (group, layer)'s executor plan, in each head's order. A split is valid
 * while the call stays in the same group and layer (a group change forces a refresh).
 */
final class ParoDropped implements DroppedTiles {

    private final ParoPlan plan;
    private final AttentionSession session;
    private final Map<String, Split> splits = new HashMap<>();

    ParoDropped(ParoPlan plan, AttentionSession session) {
        this.plan = plan;
        this.session = session;
    }

    private String tag(AttentionContext ctx) {
        return plan.groupOf(ctx.step(), ctx.totalSteps()) + "/" + ctx.layer();
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        int group = plan.groupOf(ctx.step(), ctx.totalSteps());
        return splits.computeIfAbsent(tag(ctx), tag -> {
            TokenPermutation[] perms = plan.permutations(group, ctx.layer());
            int[][] orders = new int[perms.length][];
            for (int h = 0; h < perms.length; h++) orders[h] = perms[h].inverseMap();
            var executorPlan = plan.executorPlan(group, ctx.layer());
            return new Split(PlanMasks.complement(executorPlan), RowOrders.perHead(orders), executorPlan, tag);
        });
    }

    @Override
    public boolean stillValid(Split split, AttentionContext ctx) {
        return split.tag().equals(tag(ctx));
    }

    @Override
    public void inner(Split split, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        session.forward(q, k, v, ctx, out, lse);
    }

    @Override
    public double innerDensity() {
        return session.executedDensity();
    }

    @Override
    public void close() {
        session.close();
        splits.clear();
    }
}
