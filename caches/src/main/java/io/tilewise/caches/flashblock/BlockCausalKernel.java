package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.caches.exec.RowOrders;
import io.tilewise.caches.plans.ChunkCausal;
import io.tilewise.caches.plans.PlanMasks;

import java.util.Optional;

/**
 * A method restricted to a chunk-causal mask on a full sequence — the attention of block-causal models when all
 * chunks denoise together: block-internal and block-external plans (the method's plan intersected with "own
 * chunk" and "earlier chunks") run every call and merge by LSE. Any method with a fixed tile plan can be
 * restricted, in the token orders of its plan (dense, radial, blocksparse, gna; a plan of every pair runs as the
 * model's own block-causal plans); {@code flashblock} is already chunk-causal (it gets the chunk size). Methods that
 * choose their blocks per call or per step group (pisa, paro) are refused by {@link #supports}; streaming generation
 * applies them to each chunk's own attention instead.
 */
public final class BlockCausalKernel extends ForwardingKernel {

    private final int chunkFrames;

    private BlockCausalKernel(AttentionKernel inner, int chunkFrames) {
        super(inner);
        this.chunkFrames = chunkFrames;
    }

    /**
     * The chunk-causal form of {@code kernel}; whether a shape can be restricted is {@link #supports}'s answer (it
     * needs the kernel's tile plan for that shape).
     *
     * @throws IllegalArgumentException for a flashblock spec whose chunk differs from the model's (one line)
     */
    public static AttentionKernel of(AttentionKernel kernel, int chunkFrames) {
        // flashblock is this package's own chunk-causal method: it takes the model's chunk instead of a wrapper
        if (kernel instanceof FlashBlockKernel flash) return flash.withChunk(chunkFrames);
        return new BlockCausalKernel(kernel, chunkFrames);
    }

    public int chunkFrames() {
        return chunkFrames;
    }

    // id() and spec() are the inner method's: the chunk-causal mask is the model's, not part of the method.

    @Override
    public Support supports(AttentionShape shape, Device device) {
        Support host = device.hostOnly(inner.id() + " under the chunk-causal mask");
        if (!host.supported()) return host;
        if (shape.layout().textTokens() != 0) return Support.no("chunk-causal attention needs a video-only layout, got " + shape.layout());
        Support innerSupport = inner.supports(shape, device);
        if (!innerSupport.supported()) return innerSupport;
        if (restrictable(shape).isEmpty()) {
            return Support.no("attention method " + inner.spec() + " cannot be restricted to the model's chunk-causal mask in full-clip "
                    + "generation (it needs a tile plan fixed for every call, as dense, radial, blocksparse and gna have; or flashblock); "
                    + "use streaming generation, which applies it to each chunk's own attention");
        }
        return Support.yes();
    }

    /** The inner method's plan when every call runs it: the form a token mask can cut. */
    private Optional<TilePlan> restrictable(AttentionShape shape) {
        return inner.tilePlan(shape).filter(TilePlan::fixed);
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(inner.id() + " under the chunk-causal mask");
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        ChunkCausal causal = new ChunkCausal(shape.layout(), chunkFrames);
        TilePlan tiled = restrictable(shape).orElseThrow();
        BlockSparsePlan plan = tiled.plan();
        // every pair (dense): the model's own block-causal plans, the tiling every dense block-causal run has used
        if (plan.executedDensity() == 1.0 && !plan.hasApproximation()) {
            return new BlockCausalSession(shape, causal.internalPlan(), causal.externalPlan(), RowOrders.IDENTITY);
        }
        RowOrders orders = RowOrders.of(tiled);
        return new BlockCausalSession(shape, PlanMasks.intersect(plan, orders.inPlanOrder(causal.internal())),
                PlanMasks.intersect(plan, orders.inPlanOrder(causal.external())), orders);
    }

    @Override
    public String toString() {
        return inner.spec() + " (chunk-causal, " + chunkFrames + " frames per chunk)";
    }
}
