package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.TileSummaries;
import io.tilewise.attention.tensor.PermutedCall;
import io.tilewise.attention.tensor.Tensor;

/**
 * A method that chooses its tiles from each call's inputs ({@link InputPlanner}, e.g. PISA) with attention on the
 * device: per batch element, the method's planner picks the exact tiles and computes any tile summaries on the CPU
 * from that call's q and k — the plan depends on the inputs, so it is uploaded with every call — and the device runs
 * the plan executor with the summaries (same semantics as the method's CPU session). The task graph is built on the
 * first call (when the plan's size is known) and rebuilt only when a plan no longer fits it (PISA keeps a fixed
 * number of exact blocks per query block, so its later plans always fit). With a token order (PISA's tiling), q, k,
 * v are gathered into that order on the host first and out, lse scattered back.
 */
final class TornadoInputPlanSession extends TornadoSession {

    private final InputPlanner planner;
    private final AttentionGraph.Variant variant;
    private final PermutedCall tiled;
    private AttentionGraph graph;
    private boolean graphFirstOrder;
    private volatile double executedDensity;

    TornadoInputPlanSession(AttentionShape shape, InputPlanner planner, AttentionGraph.Variant variant) {
        super(shape);
        this.planner = planner;
        this.variant = variant;
        this.tiled = PermutedCall.ofOrder(planner.tokenOrder());
        this.executedDensity = planner.nominalDensity();
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        PermutedCall.run(tiled, q, k, v, out, lse, (tq, tk, tv, to, tl) -> run(tq, tk, tv, ctx, to, tl));
    }

    private void run(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        AttentionShape s = shape();
        float scale = ctx.scaleFor(s.headDim());
        double density = 0;
        for (int b = 0; b < s.batch(); b++) {
            InputPlanner.Planned planned = planner.plan(q, k, v, b, scale);
            BlockSparsePlan plan = planned.plan();
            TileSummaries[] summaries = planned.summaries();
            boolean firstOrder = summaries != null && summaries.length > 0 && summaries[0].firstOrder() != null;
            if (graph == null || !graph.fits(plan) || graphFirstOrder != firstOrder) {
                retire(graph);
                DeviceSummaries device = DeviceSummaries.sized(s.heads(), plan.kTiles(), s.seqLen(), s.headDim(), firstOrder);
                graph = own(AttentionGraph.builder(s.heads(), s.heads(), s.seqLen(), s.headDim()).variant(variant)
                        .device(TornadoDevices.selected()).perCallPlan(plan, device).build());
                graphFirstOrder = firstOrder;
            }
            graph.loadPlan(plan);
            if (summaries != null) graph.summaries().load(summaries, plan.kTiles(), s.seqLen(), s.headDim());
            graph.run(q, k, v, scale, out, lse, b * s.heads());
            density += plan.executedDensity();
        }
        executedDensity = density / s.batch();
    }

    @Override
    public double executedDensity() {
        return executedDensity;
    }

    @Override
    protected void release() {
        super.release();
        if (tiled != null) tiled.close();
    }
}
