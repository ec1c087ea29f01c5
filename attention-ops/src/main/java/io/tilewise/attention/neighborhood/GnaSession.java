package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.tensor.RowPermutation;
import io.tilewise.attention.tensor.Tensor;

/**
 * A GNA plan bound to one shape. With a box tiling the plan runs in tile order: the executor reads q, k, v rows
 * through the tiling's token orders and writes out and lse back in the layout order, so callers see the layout
 * order.
 */
final class GnaSession extends AbstractAttentionSession {

    private final GnaTiledPlan tiled;
    private final BlockSparseExecutor executor;
    private final RowPermutation queries;
    private final RowPermutation keys;

    GnaSession(AttentionShape shape, GnaTiledPlan tiled) {
        super(shape);
        this.tiled = tiled;
        this.executor = new BlockSparseExecutor(shape.headDim());
        this.queries = RowPermutation.ofOrder(tiled.queryOrder());
        this.keys = RowPermutation.ofOrder(tiled.keyOrder());
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        // The box orders ride on the executor's own copies of q, k, v and out: no permuted tensors.
        executor.execute(tiled.plan(), q, queries, k, v, keys, ctx.scaleFor(shape().headDim()), out, lse, null);
    }

    @Override
    public double executedDensity() {
        return tiled.plan().executedDensity();
    }

    GnaTiledPlan tiledPlan() {
        return tiled;
    }
}
