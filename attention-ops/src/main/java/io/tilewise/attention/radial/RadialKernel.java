package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

import java.util.Optional;

/**
 * Radial attention on the CPU: the {@link RadialMask} plan (kept B×B blocks whole, shared by all heads) run by the
 * block-sparse executor. Any token count: the last block is simply shorter.
 */
public final class RadialKernel implements AttentionKernel {

    private final RadialSpec spec;
    /** The last shape's plan: wrappers and backends ask for it before and while preparing. */
    private volatile Memo last;

    private record Memo(AttentionShape shape, BlockSparsePlan plan) {
    }

    public RadialKernel(RadialSpec spec) {
        this.spec = spec;
    }

    public RadialSpec radialSpec() {
        return spec;
    }

    @Override
    public String id() {
        return "radial";
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

    /** The radial plan for the shape's layout (shared by every head). */
    public BlockSparsePlan plan(AttentionShape shape) {
        Memo memo = last;
        if (memo != null && memo.shape().equals(shape)) return memo.plan();
        BlockSparsePlan plan = RadialMask.of(shape.layout(), spec).plan();
        last = new Memo(shape, plan);
        return plan;
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return BlockSparseKernel.session(shape, plan(shape));
    }
}
