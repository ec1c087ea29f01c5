package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.state.CacheKey;
import io.tilewise.caches.state.CacheStore;
import io.tilewise.caches.state.CachedPart;
import io.tilewise.caches.state.QueryDrift;

import java.util.Objects;

/**
 * FlashBlock's two attention parts of one session: the block-internal output/LSE buffers and the block-external
 * part, kept per (layer, branch, head group) when {@code tau ≥ 1}. One refresh rule for the full-sequence and the
 * streaming session: recompute when the key has none, when {@code tau} steps have passed, when the step did not
 * advance (a new generation or chunk), when the part was computed against other keys ({@code tag}) or when the
 * queries drifted more than {@code drift} (0 = off). {@code tau = 0}: uncached, computed every call.
 */
final class ExternalPart implements AutoCloseable {

    /** Where this call's external part lives and whether it has to be computed into it. */
    record Slot(Tensor out, Tensor lse, boolean compute) {
    }

    private final int tau;
    private final double drift;
    private final CacheStore store = new CacheStore();
    private final QueryDrift queries = new QueryDrift();
    final Tensor internalOut;
    final Tensor internalLse;
    private Tensor uncachedOut;
    private Tensor uncachedLse;

    ExternalPart(AttentionShape shape, int tau, double drift) {
        this.tau = tau;
        this.drift = drift;
        this.internalOut = Tensor.allocate(shape.batch(), shape.heads(), shape.seqLen(), shape.headDim());
        this.internalLse = internalOut.lseLike();
    }

    boolean cached() {
        return tau > 0;
    }

    /** A slot outside the cache, computed every call (uncached runs, chunks below FlashBlock's context threshold). */
    Slot uncached() {
        if (uncachedOut == null) {
            uncachedOut = internalOut.zerosLike();
            uncachedLse = internalOut.lseLike();
        }
        return new Slot(uncachedOut, uncachedLse, true);
    }

    /** The slot for this call; a refresh is recorded as done at {@code ctx.step()} against {@code tag}. */
    Slot slot(AttentionContext ctx, Tensor q, Object tag) {
        if (tau == 0) return uncached();
        CacheKey key = CacheKey.of(ctx, q.heads());
        CachedPart part = store.part(key, q.batch(), q.seqLen(), q.headDim());
        boolean refresh = !part.filled() || ctx.step() - part.refreshStep() >= tau || ctx.step() <= part.lastStep()
                || !Objects.equals(tag, part.tag()) || (drift > 0 && queries.drift(key, q) > drift);
        if (refresh) {
            part.refreshed(ctx.step(), tag);
            if (drift > 0) queries.snapshot(key, q);
        }
        part.used(ctx.step());
        return new Slot(part.out(), part.lse(), refresh);
    }

    void reset() {
        store.reset();
        queries.reset();
    }

    long bytes() {
        return store.bytes() + queries.bytes();
    }

    @Override
    public void close() {
        store.close();
        queries.close();
        for (Tensor t : new Tensor[] {internalOut, internalLse, uncachedOut, uncachedLse}) {
            if (t != null) t.close();
        }
    }
}
