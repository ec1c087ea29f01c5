package io.tilewise.attention.dense;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;

/** Exact attention: the fast CPU kernel, i.e. the block-sparse executor with every tile on. */
public final class DenseKernel implements AttentionKernel {

    /** Query tile of the dense plan: large enough to amortise per-row setup, small enough to balance 2+ cores. */
    static final int QUERY_TILE = 128;
    static final int KEY_TILE = 512;

    @Override
    public String id() {
        return "dense";
    }

    @Override
    public String spec() {
        return "dense";
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        return device.backend().equals("cpu") ? Support.yes() : Support.no("dense: no kernel for backend " + device.backend());
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        BlockSparsePlan plan = BlockSparsePlan.dense(shape.seqLen(), QUERY_TILE, KEY_TILE);
        BlockSparseExecutor executor = new BlockSparseExecutor(shape.headDim());
        return new AbstractAttentionSession(shape) {
            @Override
            protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                executor.execute(plan, q, k, v, ctx.scaleFor(shape.headDim()), out, lse, null);
            }

            @Override
            public double executedDensity() {
                return 1.0;
            }
        };
    }
}
