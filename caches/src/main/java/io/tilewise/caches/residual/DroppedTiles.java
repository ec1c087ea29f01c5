package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.exec.RowOrders;

/**
 * What a sparse method leaves out, and how to run what it keeps, for one session shape. One implementation per
 * capability a kernel exposes: a fixed tile plan (radial, GNA, dense, blocksparse), plans per call context (PARO
 * plan files) and an input planner (PISA), whose choice residual reuse freezes from one refresh to the next.
 */
interface DroppedTiles extends AutoCloseable {

    /**
     * The split at a refresh: the plan of dropped pairs (with its token orders) and, for frozen selections, the kept
     * plan the inner part runs until the next refresh.
     */
    record Split(BlockSparsePlan dropped, RowOrders orders, BlockSparsePlan kept, Object tag) {
    }

    /** The split of this call (a refresh). */
    Split split(AttentionContext ctx, Tensor q, Tensor k, Tensor v);

    /** Whether {@code split} still describes what the inner method computes at this call. */
    boolean stillValid(Split split, AttentionContext ctx);

    /** The inner method's exact part at this call: output and LSE over the pairs it keeps. */
    void inner(Split split, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse);

    /** Executed density of the inner part of the last call. */
    double innerDensity();

    @Override
    void close();
}
