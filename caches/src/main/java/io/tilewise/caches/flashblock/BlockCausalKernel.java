package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.caches.plans.ChunkCausal;
import io.tilewise.caches.plans.PlanMasks;

/**
 * A method restricted to a chunk-causal mask on a full sequence — the attention of block-causal models when all
 * chunks denoise together: block-internal and block-external plans (the method's plan intersected with "own
 * chunk" and "earlier chunks") run every call and merge by LSE. Dense and methods whose plan is in layout order
 * (radial, blocksparse) can be restricted; {@code flashblock} is already chunk-causal (it gets the chunk size).
 * Methods that permute tokens or choose blocks per call (gna, paro, pisa) are refused here; streaming generation
 * applies them to each chunk's own attention instead.
 */
public final class BlockCausalKernel extends ForwardingKernel {

    private final int chunkFrames;

    private BlockCausalKernel(AttentionKernel inner, int chunkFrames) {
        super(inner);
        this.chunkFrames = chunkFrames;
    }

    /**
     * The chunk-causal form of {@code kernel}.
     *
     * @throws IllegalArgumentException for a method that cannot be restricted (one line naming it)
     */
    public static AttentionKernel of(AttentionKernel kernel, int chunkFrames) {
        if (kernel instanceof FlashBlockKernel flash) return flash.withChunk(chunkFrames);
        if (kernel instanceof DenseKernel || kernel instanceof RadialKernel || kernel instanceof BlockSparseKernel) {
            return new BlockCausalKernel(kernel, chunkFrames);
        }
        throw new IllegalArgumentException("attention method " + kernel.spec() + " cannot be restricted to the model's chunk-causal mask "
                + "in full-clip generation (supported: dense, radial, blocksparse, flashblock); use streaming generation, "
                + "which applies it to each chunk's own attention");
    }

    public int chunkFrames() {
        return chunkFrames;
    }

    // id() and spec() are the inner method's: the chunk-causal mask is the model's, not part of the method.

    @Override
    public Support supports(AttentionShape shape, Device device) {
        if (shape.layout().textTokens() != 0) return Support.no("chunk-causal attention needs a video-only layout, got " + shape.layout());
        return inner.supports(shape, device);
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        ChunkCausal causal = new ChunkCausal(shape.layout(), chunkFrames);
        BlockSparsePlan plan = switch (inner) {
            case RadialKernel radial -> radial.plan(shape);
            case BlockSparseKernel random -> random.plan(shape);
            default -> null;
        };
        if (plan == null) return new BlockCausalSession(shape, causal.internalPlan(), causal.externalPlan(), 0);
        return new BlockCausalSession(shape, PlanMasks.intersect(plan, causal.internal()), PlanMasks.intersect(plan, causal.external()), 0);
    }

    @Override
    public String toString() {
        return inner.spec() + " (chunk-causal, " + chunkFrames + " frames per chunk)";
    }
}
