package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

import java.util.Optional;

/**
 * The {@code gna} method: generalized neighborhood attention (NATTEN semantics) run by the block-sparse executor.
 * The plan is exact — tiles inside every window run whole, partly covered tiles run with a bit mask — and its tile
 * shapes are chosen per layout by the cost model: tokens are permuted so that a tile is a small box of the grid
 * when that lowers the executed density (docs/methods.md §2.2).
 */
public final class GnaKernel implements AttentionKernel {

    private final GnaSpec spec;
    private final GnaTiling forcedTiling;
    /** The last shape's plan: wrappers and backends ask for it before and while preparing (a tiling search each). */
    private volatile Memo last;

    private record Memo(AttentionShape shape, GnaTiledPlan plan) {
    }

    public GnaKernel(GnaSpec spec) {
        this(spec, null);
    }

    /** A kernel that always uses {@code tiling} instead of choosing one (for tests and measurements). */
    public GnaKernel(GnaSpec spec, GnaTiling tiling) {
        this.spec = spec;
        this.forcedTiling = tiling;
    }

    @Override
    public String id() {
        return "gna";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    public GnaSpec gnaSpec() {
        return spec;
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        String problem = spec.check(shape.layout().grid());
        return problem == null ? Support.yes() : Support.no(problem);
    }

    /** The plan with its token orders, as the session runs it. */
    public GnaTiledPlan tiledPlan(AttentionShape shape) {
        Memo memo = last;
        if (memo != null && memo.shape().equals(shape)) return memo.plan();
        GnaTiledPlan plan = buildPlan(shape);
        last = new Memo(shape, plan);
        return plan;
    }

    private GnaTiledPlan buildPlan(AttentionShape shape) {
        GnaMask mask = new GnaMask(spec, shape.layout());
        if (forcedTiling != null) return GnaPlanner.build(mask, forcedTiling);
        // Window = grid without causal axes is plain attention (NATTEN runs FMHA): every tile whole, no search.
        if (spec.isDenseOn(shape.layout().grid())) return GnaPlanner.build(mask, GnaTiling.layoutOrder(128, 512));
        return GnaTilingChooser.choose(mask);
    }

    /** The plan alone, in the orders of {@link #tiledPlan}. */
    public BlockSparsePlan plan(AttentionShape shape) {
        return tiledPlan(shape).plan();
    }

    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        GnaTiledPlan tiled = tiledPlan(shape);
        return Optional.of(TilePlan.of(tiled.plan(), tiled.queryOrder(), tiled.keyOrder()));
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new GnaSession(shape, tiledPlan(shape));
    }

    @Override
    public String toString() {
        return spec.canonical() + (forcedTiling == null ? "" : " tiling " + forcedTiling);
    }
}
