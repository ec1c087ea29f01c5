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
        return RadialMask.of(shape.layout(), spec).plan();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return BlockSparseKernel.session(shape, plan(shape));
    }
}
