package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.piecewise.PisaPlanner;
import io.tilewise.attention.piecewise.PisaSpec;
import io.tilewise.attention.tensor.PermutedCall;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.OrderedPlanRunner;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

/**
 * PISA's blocks are chosen from each call's q and k. Under residual reuse the choice is made at a refresh step
 * and frozen until the next one (as FlashBlock does with SparseD's selection): the selected tiles run exactly every
 * step, every other tile — the ones PISA would approximate or skip — is computed exactly at the refresh and
 * merged from the cache. The Taylor approximation is not used: the cached exact part replaces it. With a PISA
 * tiling the selection is made on q, k, v in tile order and the plans carry that order.
 */
final class FrozenSelection implements DroppedTiles {

    private final PisaPlanner planner;
    private final OrderedPlanRunner runner;
    private final PermutedCall tiled;
    private final RowOrders orders;
    private double lastDensity = Double.NaN;

    FrozenSelection(PisaSpec spec, AttentionShape shape) {
        this.planner = new PisaPlanner(spec);
        this.runner = new OrderedPlanRunner(shape.headDim());
        int[] order = spec.order(shape.layout());
        this.tiled = PermutedCall.ofOrder(order);
        this.orders = tiled == null ? RowOrders.IDENTITY : RowOrders.shared(order, order);
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        if (q.batch() != 1) throw new IllegalArgumentException("cache(...):pisa runs batch 1 (one CFG branch per call), got batch " + q.batch());
        if (tiled != null) {
            tiled.gather(q, k, v);
            q = tiled.q();
            k = tiled.k();
            v = tiled.v();
        }
        BlockSparsePlan chosen = planner.plan(q, k, v, 0, ctx.scaleFor(q.headDim())).plan();
        BlockSparsePlan kept = PlanMasks.exactOnly(chosen);
        return new Split(PlanMasks.complement(kept), orders, kept, new Object());
    }

    @Override
    public boolean stillValid(Split split, AttentionContext ctx) {
        return true;
    }

    @Override
    public void inner(Split split, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        runner.run(split.kept(), split.orders(), q, k, v, ctx.scaleFor(q.headDim()), out, lse);
        lastDensity = split.kept().executedDensity();
    }

    @Override
    public double innerDensity() {
        return lastDensity;
    }

    @Override
    public void close() {
        runner.close();
        if (tiled != null) tiled.close();
    }
}
