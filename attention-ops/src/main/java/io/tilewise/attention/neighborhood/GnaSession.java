package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.metrics.PhaseTimes;
import io.tilewise.attention.tensor.RowPermutation;
import io.tilewise.attention.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GNA plan bound to one shape. With a box tiling, q (and k, v) rows are gathered into tile order, the plan runs
 * in that order, and out and lse are scattered back, so callers see the layout order.
 */
final class GnaSession extends AbstractAttentionSession implements PhaseTimes {

    private final GnaTiledPlan tiled;
    private final BlockSparseExecutor executor;
    private final RowPermutation queries;
    private final RowPermutation keys;
    private Tensor q2, k2, v2, out2, lse2;
    private volatile Map<String, Long> phases = Map.of();

    GnaSession(AttentionShape shape, GnaTiledPlan tiled) {
        super(shape);
        this.tiled = tiled;
        this.executor = new BlockSparseExecutor(shape.headDim());
        this.queries = RowPermutation.ofOrder(tiled.queryOrder());
        this.keys = RowPermutation.ofOrder(tiled.keyOrder());
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        float scale = ctx.scaleFor(shape().headDim());
        long t0 = System.nanoTime();
        if (queries == null && keys == null) {
            executor.execute(tiled.plan(), q, k, v, scale, out, lse, null);
            phases = Map.of("tiles", System.nanoTime() - t0);
            return;
        }
        Tensor qIn = q, kIn = k, vIn = v, target = out, targetLse = lse;
        if (keys != null) {
            if (k2 == null) {
                k2 = k.zerosLike();
                v2 = v.zerosLike();
            }
            keys.gather(k, k2);
            keys.gather(v, v2);
            kIn = k2;
            vIn = v2;
        }
        if (queries != null) {
            if (q2 == null) {
                q2 = q.zerosLike();
                out2 = q.zerosLike();
                lse2 = q.lseLike();
            }
            queries.gather(q, q2);
            qIn = q2;
            target = out2;
            targetLse = lse == null ? null : lse2;
        }
        long t1 = System.nanoTime();
        executor.execute(tiled.plan(), qIn, kIn, vIn, scale, target, targetLse, null);
        long t2 = System.nanoTime();
        if (queries != null) {
            queries.scatter(out2, out);
            if (lse != null) queries.scatter(lse2, lse);
        }
        Map<String, Long> p = new LinkedHashMap<>();
        p.put("gather", t1 - t0);
        p.put("tiles", t2 - t1);
        p.put("scatter", System.nanoTime() - t2);
        phases = p;
    }

    @Override
    public Map<String, Long> lastPhaseNanos() {
        return phases;
    }

    @Override
    public double executedDensity() {
        return tiled.plan().executedDensity();
    }

    GnaTiledPlan tiledPlan() {
        return tiled;
    }

    @Override
    protected void release() {
        for (Tensor t : new Tensor[] {q2, k2, v2, out2, lse2}) {
            if (t != null) t.close();
        }
    }
}
