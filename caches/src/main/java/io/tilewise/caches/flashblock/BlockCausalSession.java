package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.PartMerge;
import io.tilewise.caches.state.CacheKey;
import io.tilewise.caches.state.CacheStore;
import io.tilewise.caches.state.CachedPart;
import io.tilewise.caches.state.QueryDrift;

/**
 * Chunk-causal attention over a full sequence as two plans merged by LSE: block-internal (own chunk) and
 * block-external (earlier chunks). Uncached ({@code tau == 0}) both run every call; with FlashBlock
 * ({@code tau ≥ 1}) the external part is cached per (layer, branch, head group) and recomputed at the first call
 * of a key, every {@code tau} steps, and when the step did not advance (a new generation).
 */
final class BlockCausalSession extends AbstractAttentionSession implements StatefulSession {

    private final BlockSparsePlan internal;
    private final BlockSparsePlan external;
    private final int tau;
    private final double drift;
    private final QueryDrift queries = new QueryDrift();
    private final BlockSparseExecutor executor;
    private final CacheStore store = new CacheStore();
    private final Tensor internalOut;
    private final Tensor internalLse;
    private final Tensor externalOut;
    private final Tensor externalLse;
    private double lastDensity;

    BlockCausalSession(AttentionShape shape, BlockSparsePlan internal, BlockSparsePlan external, int tau) {
        this(shape, internal, external, tau, 0);
    }

    BlockCausalSession(AttentionShape shape, BlockSparsePlan internal, BlockSparsePlan external, int tau, double drift) {
        super(shape);
        this.drift = drift;
        this.internal = internal;
        this.external = external;
        this.tau = tau;
        this.executor = new BlockSparseExecutor(shape.headDim());
        this.internalOut = Tensor.allocate(shape.batch(), shape.heads(), shape.seqLen(), shape.headDim());
        this.internalLse = internalOut.lseLike();
        this.externalOut = tau == 0 ? internalOut.zerosLike() : null;
        this.externalLse = tau == 0 ? internalOut.lseLike() : null;
        this.lastDensity = internal.executedDensity() + external.executedDensity();
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        float scale = ctx.scaleFor(q.headDim());
        Tensor extOut = externalOut;
        Tensor extLse = externalLse;
        boolean computeExternal = true;
        if (tau > 0) {
            CacheKey key = CacheKey.of(ctx, q.heads());
            CachedPart part = store.part(key, q.batch(), q.seqLen(), q.headDim());
            computeExternal = !part.filled() || ctx.step() - part.refreshStep() >= tau || ctx.step() <= part.lastStep()
                    || (drift > 0 && queries.drift(key, q) > drift);
            extOut = part.out();
            extLse = part.lse();
            if (computeExternal) {
                part.refreshed(ctx.step(), external);
                if (drift > 0) queries.snapshot(key, q);
            }
            part.used(ctx.step());
        }
        if (computeExternal) executor.execute(external, q, k, v, scale, extOut, extLse, null);
        executor.execute(internal, q, k, v, scale, internalOut, internalLse, null);
        PartMerge.merge(internalOut, internalLse, extOut, extLse, out, lse);
        lastDensity = internal.executedDensity() + (computeExternal ? external.executedDensity() : 0);
    }

    @Override
    public double executedDensity() {
        return lastDensity;
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
    protected void release() {
        store.close();
        queries.close();
        for (Tensor t : new Tensor[] {internalOut, internalLse, externalOut, externalLse}) {
            if (t != null) t.close();
        }
    }
}
