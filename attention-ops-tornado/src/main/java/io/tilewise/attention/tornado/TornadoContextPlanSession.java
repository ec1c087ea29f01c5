package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * A method whose plan is fixed per call context ({@link ContextPlans}, e.g. PARO: per timestep group and layer from
 * a plan file, or calibrated on the CPU from the first call of each layer and CFG branch) on the device, fp32: q, k, v
 * are gathered into the plan's token orders (per head) on the device, the plan runs, and out and lse are gathered
 * back into the layout order — the permuted tensors never leave the device. One task graph per context key, built
 * on first use and reused; each holds its own device buffers, so a many-layer plan costs device memory per layer.
 */
final class TornadoContextPlanSession extends TornadoSession {

    private final ContextPlans plans;
    private final AttentionGraph.Variant variant;
    private final Map<String, Prepared> prepared = new HashMap<>();
    private double lastDensity = Double.NaN;

    private record Prepared(AttentionGraph graph, double density) {
    }

    TornadoContextPlanSession(AttentionShape shape, ContextPlans plans, AttentionGraph.Variant variant) {
        super(shape);
        this.plans = plans;
        this.variant = variant;
        // Before any call: the first context's density where it is known without inputs (as the CPU session reports).
        if (!plans.fromInputs()) {
            AttentionContext first = AttentionContext.standalone();
            lastDensity = plans.plan(first, null, null, first.scaleFor(shape.headDim())).executedDensity();
        }
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        float scale = ctx.scaleFor(shape().headDim());
        Prepared p = prepared.computeIfAbsent(plans.key(ctx), key -> build(plans.plan(ctx, q, k, scale)));
        p.graph().run(q, k, v, scale, out, lse, 0);
        lastDensity = p.density();
    }

    private Prepared build(TilePlan plan) {
        AttentionShape s = shape();
        AttentionGraph.Builder b = AttentionGraph.builder(s.batch() * s.heads(), s.heads(), s.seqLen(), s.headDim()).variant(variant)
                .device(TornadoDevices.selected()).plan(plan.plan());
        AttentionGraph graph = own(TornadoPlanSession.withOrders(b, plan, s.seqLen()).build());
        return new Prepared(graph, plan.executedDensity());
    }

    @Override
    public double executedDensity() {
        return lastDensity;
    }
}
