package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;

import java.util.Optional;

/**
 * {@code cache(tau=N):METHOD} — residual reuse (FlashBlock §6.1 step 3) around a sparse method on any layout,
 * bidirectional included: the inner method runs every step; the key tiles it drops are computed exactly at
 * refresh steps, and what they contributed, cached per (layer, CFG branch, head group), is put back into the inner
 * result at the steps between: as the refresh step's correction {@code O_dense − O_inner} added to the inner output
 * ({@code reuse=delta}, default) or as the dropped part's output and LSE merged by LSE ({@code reuse=lse}). At a
 * refresh step the result is dense attention (up to fp32 rounding); in between it differs from dense only by how
 * much the dropped part moved since the refresh.
 *
 * <p>Which tiles the inner method drops comes from what it exposes, never from its class: a fixed tile plan
 * (radial, gna, dense, blocksparse), plans per call context (paro with a plan file: per step group and layer, in
 * each head's token order) or an input planner (pisa: the selection is frozen from refresh to refresh; see
 * {@link FrozenSelection}). Plans calibrated from a call's own inputs (self-calibrating paro) are refused: they are
 * chosen inside the method's session.
 */
public final class ResidualKernel implements AttentionKernel {

    private final ResidualSpec spec;
    private final AttentionKernel inner;

    public ResidualKernel(ResidualSpec spec, AttentionKernel inner) {
        this.spec = spec;
        this.inner = inner;
    }

    public ResidualSpec residualSpec() {
        return spec;
    }

    public AttentionKernel inner() {
        return inner;
    }

    @Override
    public String id() {
        return "cache";
    }

    @Override
    public String spec() {
        return spec.prefix() + inner.spec();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        Support host = device.hostOnly("cache");
        if (!host.supported()) return host;
        Support innerSupport = inner.supports(shape, device);
        if (!innerSupport.supported()) return innerSupport;
        if (inner.inputPlanner(shape).isPresent()) return Support.yes();
        Optional<ContextPlans> context = inner.contextPlans(shape);
        if (context.isPresent()) {
            return context.get().fromInputs()
                    ? Support.no("cache: " + inner.spec() + " calibrates its plans on each call's inputs inside its session, so the "
                            + "dropped tiles are unknown beforehand; use plans fixed before the run (e.g. paro:plan=FILE)")
                    : Support.yes();
        }
        if (inner.tilePlan(shape).filter(TilePlan::fixed).isPresent()) return Support.yes();
        return Support.no("cache: cannot tell which key tiles " + inner.id() + " drops (it exposes no fixed tile plan, context plans "
                + "or input planner); methods that do: dense, blocksparse, radial, gna, pisa, paro:plan=FILE");
    }

    /** The inner method's density, plus the pairs it drops at one call in {@code tau} (per layer and branch). */
    @Override
    public double predictedDensity(AttentionShape shape) {
        double kept = inner.predictedDensity(shape);
        return kept + (1 - kept) / spec.tau();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new ResidualSession(shape, spec.tau(), spec.reuse(), dropped(shape, device));
    }

    private DroppedTiles dropped(AttentionShape shape, Device device) {
        Optional<InputPlanner> planner = inner.inputPlanner(shape);
        if (planner.isPresent()) return new FrozenSelection(planner.get(), shape);
        Optional<ContextPlans> context = inner.contextPlans(shape);
        if (context.isPresent()) return new ContextDropped(context.get(), inner.prepare(shape, device));
        TilePlan plan = inner.tilePlan(shape).filter(TilePlan::fixed)
                .orElseThrow(() -> new IllegalStateException("unreachable: supports() refuses " + inner.id()));
        return new StaticDropped(inner.prepare(shape, device), plan);
    }

    @Override
    public String toString() {
        return spec();
    }
}
