package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.PermutedCall;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.OrderedPlanRunner;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

/**
 * A method that chooses its tiles from each call's q and k ({@link InputPlanner}: PISA). Under residual reuse the
 * choice is made at a refresh step and frozen until the next one (as FlashBlock does with SparseD's selection): the
 * selected exact tiles run every step, every other tile — the ones the method would approximate or skip — is
 * computed exactly at the refresh and merged from the cache. An approximation of the method (PISA's Taylor terms)
 * is not used: the cached exact part replaces it. With a token order (PISA's tiling) the selection is made on
 * q, k, v in that order and the plans carry it.
 */
final class FrozenSelection implements DroppedTiles {

    private final InputPlanner planner;
    private final OrderedPlanRunner runner;
    private final PermutedCall tiled;
    private final RowOrders orders;
    private double lastDensity = Double.NaN;

    FrozenSelection(InputPlanner planner, AttentionShape shape) {
        this.planner = planner;
        this.runner = new OrderedPlanRunner(shape.headDim());
        int[] order = planner.tokenOrder();
        this.tiled = PermutedCall.ofOrder(order);
        this.orders = tiled == null ? RowOrders.IDENTITY : RowOrders.shared(order, order);
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        if (q.batch() != 1) throw new IllegalArgumentException("cache(...) over an input-planned method runs batch 1 (one CFG branch per call), got batch " + q.batch());
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
