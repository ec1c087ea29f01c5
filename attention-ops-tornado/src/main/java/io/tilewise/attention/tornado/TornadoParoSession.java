package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.reorder.ParoKernel;
import io.tilewise.reorder.ParoPlan;
import io.tilewise.reorder.TokenPermutation;

import java.util.HashMap;
import java.util.Map;

/**
 * PARO on the device (fp32 QK only): per head, q, k, v are gathered into the head's axis order on the device, the
 * head's static block mask runs as a plan, and out and lse are gathered back into the original order — the
 * permuted tensors never leave the device. Orders and masks follow {@link ParoKernel}: from the plan file by the
 * call's timestep group and layer, or self-calibrated on the CPU from the first call of each (layer, CFG branch).
 * One task graph per (group, layer) or (layer, branch), built on first use and reused; each holds its own device
 * buffers, so a many-layer plan costs device memory per layer.
 */
final class TornadoParoSession extends TornadoSession {

    private final ParoKernel kernel;
    private final AttentionGraph.Variant variant;
    private final Map<String, Prepared> prepared = new HashMap<>();
    private double lastDensity = Double.NaN;

    private record Prepared(AttentionGraph graph, double density) {
    }

    TornadoParoSession(AttentionShape shape, ParoKernel kernel, AttentionGraph.Variant variant) {
        super(shape);
        this.kernel = kernel;
        this.variant = variant;
        if (!kernel.paroSpec().calibrating()) lastDensity = kernel.plan().executorPlan(0, 0).executedDensity();
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        float scale = ctx.scaleFor(shape().headDim());
        Prepared p = prepared(q, k, ctx, scale);
        p.graph().run(q, k, v, scale, out, lse, 0);
        lastDensity = p.density();
    }

    private Prepared prepared(Tensor q, Tensor k, AttentionContext ctx, float scale) {
        if (kernel.paroSpec().calibrating()) {
            return prepared.computeIfAbsent("layer " + ctx.layer() + "/" + ctx.branch(),
                    key -> build(kernel.calibrate(q, k, scale, shape().layout()), 0, 0));
        }
        ParoPlan plan = kernel.plan();
        if (ctx.layer() < 0 || ctx.layer() >= plan.layers()) {
            throw new IllegalArgumentException("paro: layer " + ctx.layer() + " not in 0.." + (plan.layers() - 1)
                    + " of plan " + kernel.paroSpec().plan());
        }
        int group = plan.groupOf(ctx.step(), ctx.totalSteps());
        return prepared.computeIfAbsent("group " + group + " layer " + ctx.layer(), key -> build(plan, group, ctx.layer()));
    }

    /** Maps of every head, concatenated: permuted row p of head h is original row inverse[p]; back: forward[t]. */
    private Prepared build(ParoPlan plan, int group, int layer) {
        AttentionShape s = shape();
        TokenPermutation[] perms = plan.permutations(group, layer);
        int n = s.seqLen();
        int[] toPermuted = new int[s.heads() * n];
        int[] toOriginal = new int[s.heads() * n];
        for (int h = 0; h < s.heads(); h++) {
            System.arraycopy(perms[h].inverseMap(), 0, toPermuted, h * n, n);
            System.arraycopy(perms[h].forwardMap(), 0, toOriginal, h * n, n);
        }
        var executorPlan = plan.executorPlan(group, layer);
        AttentionGraph graph = own(AttentionGraph.builder(s.batch() * s.heads(), s.heads(), n, s.headDim()).variant(variant)
                .device(TornadoDevices.selected()).plan(executorPlan)
                .orders(toPermuted, toOriginal, toPermuted, s.heads()).build());
        return new Prepared(graph, executorPlan.executedDensity());
    }

    @Override
    public double executedDensity() {
        return lastDensity;
    }
}
