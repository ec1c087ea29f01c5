package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.neighborhood.GnaTiledPlan;
import io.tilewise.attention.piecewise.PisaKernel;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.ChunkCausal;
import io.tilewise.reorder.ParoKernel;

/**
 * {@code cache(tau=N):METHOD} — residual reuse (FlashBlock §6.1 step 3) around a sparse method on any layout,
 * bidirectional included: the inner method runs every step; the key tiles it drops are computed exactly at
 * refresh steps, and what they contributed, cached per (layer, CFG branch, head group), is put back into the inner
 * result at the steps between: as the refresh step's correction {@code O_dense − O_inner} added to the inner output
 * ({@code reuse=delta}, default) or as the dropped part's output and LSE merged by LSE ({@code reuse=lse}). At a
 * refresh step the result is dense attention (up to fp32 rounding); in between it differs from dense only by how
 * much the dropped part moved since the refresh.
 *
 * <p>Inner methods: radial, gna, dense, blocksparse (fixed plans), paro with a plan file (plan per step group and
 * layer, in each head's token order) and pisa (the selection is frozen from refresh to refresh; see
 * {@link FrozenSelection}). Self-calibrating paro is refused: its blocks are chosen inside its session.
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
        if (!device.backend().equals("cpu")) return Support.no("cache: no kernel for backend " + device.backend());
        Support innerSupport = inner.supports(shape, device);
        if (!innerSupport.supported()) return innerSupport;
        if (inner instanceof ParoKernel paro && paro.paroSpec().calibrating()) {
            return Support.no("cache: paro must use a plan file (paro:plan=FILE); self-calibrating paro chooses its blocks inside its session");
        }
        if (!(inner instanceof RadialKernel || inner instanceof GnaKernel || inner instanceof DenseKernel
                || inner instanceof BlockSparseKernel || inner instanceof ParoKernel || inner instanceof PisaKernel)) {
            return Support.no("cache: cannot tell which key tiles " + inner.id() + " drops; supported inner methods: radial, gna, paro, pisa, blocksparse, dense");
        }
        return Support.yes();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new ResidualSession(shape, spec.tau(), spec.reuse(), dropped(shape, device));
    }

    private DroppedTiles dropped(AttentionShape shape, Device device) {
        return switch (inner) {
            case GnaKernel gna -> {
                GnaTiledPlan tiled = gna.tiledPlan(shape);
                yield new StaticDropped(gna.prepare(shape, device), tiled.plan(), RowOrders.shared(tiled.queryOrder(), tiled.keyOrder()));
            }
            case RadialKernel radial -> new StaticDropped(radial.prepare(shape, device), radial.plan(shape), RowOrders.IDENTITY);
            case BlockSparseKernel random -> new StaticDropped(random.prepare(shape, device), random.plan(shape), RowOrders.IDENTITY);
            case DenseKernel dense -> new StaticDropped(dense.prepare(shape, device),
                    BlockSparsePlan.dense(shape.seqLen(), ChunkCausal.TILE, ChunkCausal.TILE), RowOrders.IDENTITY);
            case ParoKernel paro -> new ParoDropped(paro.plan(), paro.prepare(shape, device));
            case PisaKernel pisa -> new FrozenSelection(pisa.pisaSpec(), shape);
            default -> throw new IllegalStateException("unreachable: supports() refuses " + inner.id());
        };
    }

    @Override
    public String toString() {
        return spec();
    }
}
