package io.tilewise.caches.residual;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.OrderedPlanRunner;
import io.tilewise.caches.exec.OutputDelta;
import io.tilewise.caches.exec.PartMerge;
import io.tilewise.caches.state.CacheKey;
import io.tilewise.caches.state.CacheStore;
import io.tilewise.caches.state.CachedPart;

import java.util.HashMap;
import java.util.Map;

/**
 * One residual-reuse session. Per call, with key = (layer, branch, head group): refresh when the key has no part
 * yet, when {@code tau} steps have passed since its refresh, when the step did not advance (a new generation
 * without {@link #resetState()}), or when the inner method's split changed (PARO's step group); a refresh
 * computes the dropped pairs exactly into the cached part. Then the inner part runs and the cached part is put back:
 * {@code reuse=lse} merges the dropped part's output and LSE; {@code reuse=delta} keeps, from the refresh, the
 * correction {@code O_dense − O_inner} (in the part's output slot, so the state costs the same) and adds it to the
 * inner output; its LSE output is the inner LSE log-added to the refresh's dropped LSE.
 */
final class ResidualSession extends AbstractAttentionSession implements StatefulSession {

    private final int tau;
    private final ResidualSpec.Reuse reuse;
    private final DroppedTiles dropped;
    private final OrderedPlanRunner runner;
    private final CacheStore store = new CacheStore();
    private final Map<CacheKey, DroppedTiles.Split> splits = new HashMap<>();
    private final Tensor innerOut;
    private final Tensor innerLse;
    private double lastDensity = Double.NaN;

    ResidualSession(AttentionShape shape, int tau, ResidualSpec.Reuse reuse, DroppedTiles dropped) {
        super(shape);
        this.tau = tau;
        this.reuse = reuse;
        this.dropped = dropped;
        this.runner = new OrderedPlanRunner(shape.headDim());
        this.innerOut = Tensor.allocate(shape.batch(), shape.heads(), shape.seqLen(), shape.headDim());
        this.innerLse = innerOut.lseLike();
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        CacheKey key = CacheKey.of(ctx, q.heads());
        CachedPart part = store.part(key, q.batch(), q.seqLen(), q.headDim());
        DroppedTiles.Split split = splits.get(key);
        boolean refresh = split == null || !part.filled() || ctx.step() - part.refreshStep() >= tau
                || ctx.step() <= part.lastStep() || !dropped.stillValid(split, ctx);
        double density = 0;
        if (refresh) {
            split = dropped.split(ctx, q, k, v);
            splits.put(key, split);
            runner.run(split.dropped(), split.orders(), q, k, v, ctx.scaleFor(q.headDim()), part.out(), part.lse());
            part.refreshed(ctx.step(), split.tag());
            density = split.dropped().executedDensity();
        }
        dropped.inner(split, q, k, v, ctx, innerOut, innerLse);
        if (reuse == ResidualSpec.Reuse.LSE || refresh) {
            PartMerge.merge(innerOut, innerLse, part.out(), part.lse(), out, lse);
            // delta: the result is exact now; the part's output slot then keeps O_dense − O_inner for later steps
            if (reuse == ResidualSpec.Reuse.DELTA) OutputDelta.difference(out, innerOut, part.out());
        } else {
            OutputDelta.sum(innerOut, part.out(), out);
            if (lse != null) OutputDelta.logAddExp(innerLse, part.lse(), lse);
        }
        part.used(ctx.step());
        lastDensity = density + dropped.innerDensity();
    }

    /** Inner density, plus the dropped part's at a refresh call: the fraction of pairs this call computed. */
    @Override
    public double executedDensity() {
        return Double.isNaN(lastDensity) ? dropped.innerDensity() : lastDensity;
    }

    @Override
    public void resetState() {
        store.reset();
        splits.clear();
    }

    @Override
    public long stateBytes() {
        return store.bytes();
    }

    @Override
    protected void release() {
        store.close();
        splits.clear();
        runner.close();
        dropped.close();
        innerOut.close();
        innerLse.close();
    }
}
