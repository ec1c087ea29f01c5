package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.ContextAttention;
import io.tilewise.caches.exec.PartMerge;
import io.tilewise.caches.state.CacheKey;
import io.tilewise.caches.state.CacheStore;
import io.tilewise.caches.state.CachedPart;
import io.tilewise.caches.state.QueryDrift;

/**
 * Attention of one chunk in streaming block-causal generation: the chunk's queries attend its own keys
 * (block-internal, through any session on the chunk's layout — the policy's method) and the key/value cache of
 * earlier chunks (block-external, dense, {@link ContextAttention}); the two parts merge by LSE.
 *
 * <p>Uncached, the external part runs every call. With FlashBlock ({@code tau ≥ 1}) it is kept per (layer,
 * branch, head group) and recomputed when the key has none, when {@code tau} steps have passed, when the step did
 * not advance (the next chunk or generation) or when the context changed ({@link KvContext#version()}). With
 * {@code tau = 1} the arithmetic is exactly the uncached one.
 *
 * <p>One call at a time; {@link #resetState()} between generations.
 */
public final class ChunkAttention implements StatefulSession, AutoCloseable {

    private final int tau;
    private final double drift;
    private final QueryDrift queries = new QueryDrift();
    private final ContextAttention context;
    private final CacheStore store = new CacheStore();
    private final AttentionShape shape;
    private final Tensor internalOut;
    private final Tensor internalLse;
    private final Tensor externalOut;
    private final Tensor externalLse;
    private double lastDensity = 1;
    private boolean lastRefreshed;

    private ChunkAttention(AttentionShape chunkShape, int tau, double drift) {
        this.tau = tau;
        this.drift = drift;
        this.shape = chunkShape;
        this.context = new ContextAttention(chunkShape.headDim());
        this.internalOut = Tensor.allocate(chunkShape.batch(), chunkShape.heads(), chunkShape.seqLen(), chunkShape.headDim());
        this.internalLse = internalOut.lseLike();
        this.externalOut = tau == 0 ? internalOut.zerosLike() : null;
        this.externalLse = tau == 0 ? internalOut.lseLike() : null;
    }

    /** External attention recomputed every call: the reference block-causal run. */
    public static ChunkAttention uncached(AttentionShape chunkShape) {
        return new ChunkAttention(chunkShape, 0, 0);
    }

    /** FlashBlock: the external part cached and refreshed every {@code tau} steps. */
    public static ChunkAttention flashBlock(AttentionShape chunkShape, int tau) {
        return flashBlock(chunkShape, tau, 0);
    }

    /** FlashBlock that also refreshes when the queries drifted more than {@code drift} (0 = off), see {@link FlashBlockSpec}. */
    public static ChunkAttention flashBlock(AttentionShape chunkShape, int tau, double drift) {
        if (tau < 1) throw new IllegalArgumentException("tau " + tau + " must be >= 1");
        return new ChunkAttention(chunkShape, tau, drift);
    }

    public AttentionShape shape() {
        return shape;
    }

    /**
     * {@code out} = attention of the chunk's {@code q} to {@code context} ∪ the chunk's {@code k, v}
     * ({@code [1, heads, chunk tokens, headDim]} each); {@code internal} is a session on the chunk's shape.
     */
    public void forward(AttentionSession internal, Tensor q, Tensor k, Tensor v, KvContext kv, AttentionContext ctx, Tensor out) {
        internal.forward(q, k, v, ctx, internalOut, internalLse);
        int n = q.seqLen();
        if (kv.tokens() == 0) {
            out.copyFrom(internalOut);
            lastDensity = internal.executedDensity();
            lastRefreshed = false;
            return;
        }
        float scale = ctx.scaleFor(q.headDim());
        Tensor extOut = externalOut;
        Tensor extLse = externalLse;
        boolean refresh = true;
        if (tau > 0) {
            CacheKey key = CacheKey.of(ctx, q.heads());
            CachedPart part = store.part(key, q.batch(), n, q.headDim());
            refresh = !part.filled() || ctx.step() - part.refreshStep() >= tau || ctx.step() <= part.lastStep()
                    || !Long.valueOf(kv.version()).equals(part.tag()) || (drift > 0 && queries.drift(key, q) > drift);
            extOut = part.out();
            extLse = part.lse();
            if (refresh) {
                part.refreshed(ctx.step(), kv.version());
                if (drift > 0) queries.snapshot(key, q);
            }
            part.used(ctx.step());
        }
        if (refresh) context.forward(q, kv.k(), kv.v(), kv.tokens(), scale, extOut, extLse);
        PartMerge.merge(internalOut, internalLse, extOut, extLse, out, null);
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
        return tau > 0;
    }

    @Override
    public void resetState() {
        store.reset();
        queries.reset();
    }

    @Override
    public long stateBytes() {
        return store.bytes() + queries.bytes();
    }

    @Override
    public void close() {
        store.close();
        queries.close();
        for (Tensor t : new Tensor[] {internalOut, internalLse, externalOut, externalLse}) {
            if (t != null) t.close();
        }
    }
}
