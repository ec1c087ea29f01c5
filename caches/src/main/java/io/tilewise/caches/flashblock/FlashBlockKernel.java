package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.caches.plans.ChunkCausal;

/**
 * The {@code flashblock} method. Two uses:
 * <ul>
 *   <li>Streaming block-causal generation ({@link #streaming}): a chunk's queries attend a key/value cache of
 *       earlier chunks (external) and the chunk itself (internal); the external part is cached.</li>
 *   <li>A full sequence under a chunk-causal mask ({@link #prepare}, needs {@code chunk=F}): all chunks denoise
 *       together; each chunk's external part (its earlier chunks) is cached.</li>
 * </ul>
 * With {@code tau=1} both equal the uncached block-causal computation bit for bit.
 */
public final class FlashBlockKernel implements AttentionKernel {

    private final FlashBlockSpec spec;

    public FlashBlockKernel(FlashBlockSpec spec) {
        this.spec = spec;
    }

    public FlashBlockSpec flashBlockSpec() {
        return spec;
    }

    /** The same method with the model's chunk size (the pipeline's block-causal mode). */
    public FlashBlockKernel withChunk(int chunkFrames) {
        if (spec.chunkFrames() > 0 && spec.chunkFrames() != chunkFrames) {
            throw new IllegalArgumentException("flashblock: chunk=" + spec.chunkFrames() + " differs from the model's causal_chunk_frames "
                    + chunkFrames + " (leave chunk out to use the model's)");
        }
        return new FlashBlockKernel(spec.withChunk(chunkFrames));
    }

    @Override
    public String id() {
        return "flashblock";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        Support host = device.hostOnly("flashblock");
        if (!host.supported()) return host;
        if (spec.chunkFrames() == 0) {
            return Support.no("flashblock: needs a block-causal model (causal_chunk_frames > 0) or chunk=F for a chunk-causal mask on this layout");
        }
        if (shape.layout().textTokens() != 0) return Support.no("flashblock: needs a video-only layout, got " + shape.layout());
        return Support.yes();
    }

    /** Block-internal pairs every call, block-external ones at one call in {@code tau}; 1 where it cannot run. */
    @Override
    public double predictedDensity(AttentionShape shape) {
        if (!supports(shape, Device.CPU).supported()) return 1.0;
        ChunkCausal causal = new ChunkCausal(shape.layout(), spec.chunkFrames());
        return causal.internalPlan(spec.minContext()).executedDensity() + causal.externalPlan(spec.minContext()).executedDensity() / spec.tau();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        ChunkCausal causal = new ChunkCausal(shape.layout(), spec.chunkFrames());
        return new BlockCausalSession(shape, causal.internalPlan(spec.minContext()), causal.externalPlan(spec.minContext()), spec.tau(),
                spec.drift());
    }

    /** Streaming use: chunk attention for chunks of {@code chunkShape} with a dense block-internal part. */
    public ChunkAttention streaming(AttentionShape chunkShape) {
        return ChunkAttention.flashBlock(chunkShape, spec.tau(), spec.drift(), spec.minContext());
    }

    @Override
    public String toString() {
        return spec();
    }
}
