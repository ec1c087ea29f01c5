package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.tensor.Tensor;

import java.util.Optional;

/** The generic {@code blocksparse} method: a random tile mask at a kept fraction, run by the executor. */
public final class BlockSparseKernel implements AttentionKernel {

    private final BlockSparseSpec spec;

    public BlockSparseKernel(BlockSparseSpec spec) {
        this.spec = spec;
    }

    @Override
    public String id() {
        return "blocksparse";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        return Support.yes();
    }

    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.of(TilePlan.of(plan(shape)));
    }

    /** The plan this kernel runs for a shape (one mask per head). */
    public BlockSparsePlan plan(AttentionShape shape) {
        return BlockSparseMask.random(shape.seqLen(), spec.tile(), shape.heads(), spec.keep(), spec.seed());
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return session(shape, plan(shape));
    }

    /** A session running a given plan (e.g. a mask from a file or another method). */
    public static AttentionSession session(AttentionShape shape, BlockSparsePlan plan) {
        if (plan.seqLen() != shape.seqLen()) {
            throw new IllegalArgumentException("plan is for seqLen " + plan.seqLen() + ", shape has " + shape.seqLen());
        }
        BlockSparseExecutor executor = new BlockSparseExecutor(shape.headDim());
        return new AbstractAttentionSession(shape) {
            @Override
            protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                executor.execute(plan, q, k, v, ctx.scaleFor(shape.headDim()), out, lse, null);
            }

            @Override
            public double executedDensity() {
                return plan.executedDensity();
            }
        };
    }
}
