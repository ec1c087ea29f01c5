package io.tilewise.attention.dense;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

import java.util.Optional;

/** Exact attention: the fast CPU kernel, i.e. the block-sparse executor with every tile on. */
public final class DenseKernel implements AttentionKernel {

    /**
     * Query tile of the dense plan when there is work enough: all its rows share each pass over a key chunk, so K and
     * V stream from L3 once per 512 rows (seqLen 16384, 2 threads: ~5 % faster than 128; 4096: no change).
     */
    static final int LARGE_QUERY_TILE = 512;
    /** Query tile otherwise: small enough to balance the cores on short sequences. */
    static final int QUERY_TILE = 128;
    /** Work items per thread below which the smaller query tile is used. */
    private static final int ITEMS_PER_THREAD = 8;
    static final int KEY_TILE = 512;

    /** Query tile for {@code shape} on {@code threads} threads (results are the same bits either way). */
    static int queryTile(AttentionShape shape, int threads) {
        long items = (long) shape.batch() * shape.heads() * ((shape.seqLen() + LARGE_QUERY_TILE - 1) / LARGE_QUERY_TILE);
        return items >= (long) ITEMS_PER_THREAD * threads ? LARGE_QUERY_TILE : QUERY_TILE;
    }

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
        return Support.yes();
    }

    /** Every tile, whole, at the tiles the session uses with the current thread count. */
    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.of(TilePlan.of(plan(shape)));
    }

    private static BlockSparsePlan plan(AttentionShape shape) {
        return BlockSparsePlan.dense(shape.seqLen(), queryTile(shape, Parallel.threads()), KEY_TILE);
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        BlockSparsePlan plan = plan(shape);
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
