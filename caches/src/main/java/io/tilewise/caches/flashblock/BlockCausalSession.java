package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.OrderedPlanRunner;
import io.tilewise.caches.exec.PartMerge;
import io.tilewise.caches.exec.RowOrders;

/**
 * Chunk-causal attention over a full sequence as two plans merged by LSE: block-internal (own chunk) and
 * block-external (earlier chunks). Uncached ({@code tau == 0}) both run every call; with FlashBlock
 * ({@code tau ≥ 1}) the external part is cached per (layer, branch, head group) and recomputed at the first call
 * of a key, every {@code tau} steps, and when the step did not advance (a new generation). Both plans may be written
 * in token orders (a method's tiling); the parts are merged in layout order.
 */
final class BlockCausalSession extends AbstractAttentionSession implements StatefulSession {

    private final BlockSparsePlan internal;
    private final BlockSparsePlan external;
    private final RowOrders orders;
    private final OrderedPlanRunner runner;
    private final ExternalPart parts;
    private double lastDensity;

    BlockCausalSession(AttentionShape shape, BlockSparsePlan internal, BlockSparsePlan external, RowOrders orders) {
        this(shape, internal, external, orders, 0, 0);
    }

    BlockCausalSession(AttentionShape shape, BlockSparsePlan internal, BlockSparsePlan external, int tau, double drift) {
        this(shape, internal, external, RowOrders.IDENTITY, tau, drift);
    }

    private BlockCausalSession(AttentionShape shape, BlockSparsePlan internal, BlockSparsePlan external, RowOrders orders, int tau,
                               double drift) {
        super(shape);
        this.internal = internal;
        this.external = external;
        this.orders = orders;
        this.runner = new OrderedPlanRunner(shape.headDim());
        this.parts = new ExternalPart(shape, tau, drift);
        this.lastDensity = internal.executedDensity() + external.executedDensity();
    }

    @Override
    protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        float scale = ctx.scaleFor(q.headDim());
        ExternalPart.Slot ext = parts.slot(ctx, q, external);
        if (ext.compute()) runner.run(external, orders, q, k, v, scale, ext.out(), ext.lse());
        runner.run(internal, orders, q, k, v, scale, parts.internalOut, parts.internalLse);
        PartMerge.merge(parts.internalOut, parts.internalLse, ext.out(), ext.lse(), out, lse);
        lastDensity = internal.executedDensity() + (ext.compute() ? external.executedDensity() : 0);
    }

    @Override
    public double executedDensity() {
        return lastDensity;
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
    protected void release() {
        parts.close();
        runner.close();
    }
}
