package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.PlannedKernel;

/**
 * Radial attention on the CPU: the {@link RadialMask} plan (kept B×B blocks whole, shared by all heads) run by the
 * block-sparse executor. Any token count: the last block is simply shorter.
 */
public final class RadialKernel implements PlannedKernel {

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
        if (!device.backend().equals("cpu")) return Support.no("radial: no kernel for backend " + device.backend());
        return Support.yes();
    }

    @Override
    public BlockSparsePlan plan(AttentionShape shape) {
        return RadialMask.of(shape.layout(), spec).plan();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return BlockSparseKernel.session(shape, plan(shape));
    }
}
