package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.ContextAttention;
import io.tilewise.caches.exec.PartMerge;

/**
 * Attention of one chunk in streaming block-causal generation: the chunk's queries attend its own keys
 * (block-internal, through any session on the chunk's layout — the policy's method) and the key/value cache of
 * earlier chunks (block-external, dense, {@link ContextAttention}); the two parts merge by LSE.
 *
 * <p>Uncached, the external part runs every call. With FlashBlock ({@code tau ≥ 1}) it is kept per (layer,
 * branch, head group) and recomputed when the key has none, when {@code tau} steps have passed, when the step did
 * not advance (the next chunk or generation), when the context changed ({@link KvContext#version()}) or, with a
 * drift limit, when the queries moved; chunks with fewer than {@code minContext} chunks of context are not cached
 * at all. With {@code tau = 1} the arithmetic is exactly the uncached one.
 *
 * <p>One call at a time; {@link #resetState()} between generations.
 */
public final class ChunkAttention implements StatefulSession, AutoCloseable {

    private final ContextAttention context;
    private final AttentionShape shape;
    private final ExternalPart parts;
    private final int minContext;
    private double lastDensity = 1;
    private boolean lastRefreshed;

    private ChunkAttention(AttentionShape chunkShape, int tau, double drift, int minContext) {
        this.shape = chunkShape;
        this.minContext = minContext;
        this.context = new ContextAttention(chunkShape.headDim());
        this.parts = new ExternalPart(chunkShape, tau, drift);
    }

    /** External attention recomputed every call: the reference block-causal run. */
    public static ChunkAttention uncached(AttentionShape chunkShape) {
        return new ChunkAttention(chunkShape, 0, 0, 0);
    }

    /** FlashBlock: the external part cached and refreshed every {@code tau} steps. */
    public static ChunkAttention flashBlock(AttentionShape chunkShape, int tau) {
        return flashBlock(chunkShape, tau, 0);
    }

    /** FlashBlock that also refreshes when the queries drifted more than {@code drift} (0 = off), see {@link FlashBlockSpec}. */
    public static ChunkAttention flashBlock(AttentionShape chunkShape, int tau, double drift) {
        return flashBlock(chunkShape, tau, drift, 0);
    }

    /**
     * FlashBlock caching only for chunks with at least {@code minContext} chunks of context (as many tokens as
     * {@code minContext} chunks of this shape); chunks with less recompute their external part every call.
     */
    public static ChunkAttention flashBlock(AttentionShape chunkShape, int tau, double drift, int minContext) {
        if (tau < 1) throw new IllegalArgumentException("tau " + tau + " must be >= 1");
        if (minContext < 0) throw new IllegalArgumentException("context " + minContext + " must be >= 0");
        return new ChunkAttention(chunkShape, tau, drift, minContext);
    }

    public AttentionShape shape() {
        return shape;
    }

    /**
     * {@code out} = attention of the chunk's {@code q} to {@code context} ∪ the chunk's {@code k, v}
     * ({@code [1, heads, chunk tokens, headDim]} each); {@code internal} is a session on the chunk's shape.
     */
    public void forward(AttentionSession internal, Tensor q, Tensor k, Tensor v, KvContext kv, AttentionContext ctx, Tensor out) {
        internal.forward(q, k, v, ctx, parts.internalOut, parts.internalLse);
        int n = q.seqLen();
        if (kv.tokens() == 0) {
            out.copyFrom(parts.internalOut);
            lastDensity = internal.executedDensity();
            lastRefreshed = false;
            return;
        }
        float scale = ctx.scaleFor(q.headDim());
        ExternalPart.Slot ext = kv.tokens() < (long) minContext * n ? parts.uncached() : parts.slot(ctx, q, kv.version());
        boolean refresh = ext.compute();
        if (refresh) context.forward(q, kv.k(), kv.v(), kv.tokens(), scale, ext.out(), ext.lse());
        PartMerge.merge(parts.internalOut, parts.internalLse, ext.out(), ext.lse(), out, null);
        double pairs = (double) n * (n + kv.tokens());
        lastDensity = (internal.executedDensity() * n * n + (refresh ? (double) n * kv.tokens() : 0)) / pairs;
        lastRefreshed = refresh;
    }

    /** Fraction of the (chunk + context) pairs the last call computed. */
    public double executedDensity() {
        return lastDensity;
    }

    /** Whether the last call computed its block-external part (always, uncached). */
    public boolean lastRefreshed() {
        return lastRefreshed;
    }

    public boolean cached() {
        return parts.cached();
    }

    @Override
    public void resetState() {
        parts.reset();
    }

    @Override
    public long stateBytes() {
        return parts.bytes();
    }

    @Override
    public void close() {
        parts.close();
    }
}
