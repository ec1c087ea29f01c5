package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.piecewise.PisaPlanner;
import io.tilewise.attention.piecewise.PisaSpec;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.PlanMasks;

/**
 * PISA's blocks are chosen from each call's q and k. Under residual reuse the choice is made at a refresh step
 * and frozen until the next one (as FlashBlock does with SparseD's selection): the selected tiles run exactly every
 * step, every other tile — the ones PISA would approximate or skip — is computed exactly at the refresh and
 * merged from the cache. The Taylor approximation is not used: the cached exact part replaces it.
 */
final class FrozenSelection implements DroppedTiles {

    private final PisaPlanner planner;
    private final BlockSparseExecutor executor;
    private double lastDensity = Double.NaN;

    FrozenSelection(PisaSpec spec, int headDim) {
        this.planner = new PisaPlanner(spec);
        this.executor = new BlockSparseExecutor(headDim);
    }

    @Override
    public Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v) {
        if (q.batch() != 1) throw new IllegalArgumentException("cache(...):pisa runs batch 1 (one CFG branch per call), got batch " + q.batch());
        BlockSparsePlan chosen = planner.plan(q, k, v, 0, ctx.scaleFor(q.headDim())).plan();
        BlockSparsePlan kept = PlanMasks.exactOnly(chosen);
        return new Split(PlanMasks.complement(kept), RowOrders.IDENTITY, kept, new Object());
    }

    @Override
    public boolean stillValid(Split split, AttentionContext ctx) {
        return true;
    }

    @Override
    public void inner(Split split, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        executor.execute(split.kept(), q, k, v, ctx.scaleFor(q.headDim()), out, lse, null);
        lastDensity = split.kept().executedDensity();
    }

    @Override
    public double innerDensity() {
        return lastDensity;
    }

    @Override
    public void close() {
    }
}
