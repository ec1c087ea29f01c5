package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.backend.AttentionBackend;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.piecewise.PisaKernel;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.reorder.ParoKernel;

/**
 * The {@code tornado} attention backend (found by {@code BackendSelector} through {@link java.util.ServiceLoader}):
 * dense, the block-structured methods as device plans (blocksparse, radial, gna with its tile orders), PISA
 * (choice of blocks and tile summaries on the CPU per call, attention on the device) and PARO (permutations on the
 * device). Methods it has no kernel for are refused with a reason; {@code auto} then runs them on the CPU.
 *
 * <p>This class touches no TornadoVM type until {@link #probe()}, so it loads even where the TornadoVM runtime is
 * missing from the module path — the probe then says so.
 */
public final class TornadoAttentionBackend implements AttentionBackend {

    /** Elements of one tensor the kernels can index (int offsets). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE;

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public Availability probe() {
        try {
            return TornadoDevices.probe();
        } catch (ExceptionInInitializerError e) {
            // The runtime is there but could not start (e.g. no OpenCL platform, a driver that fails to load).
            return Availability.none("TornadoVM failed to start: " + (e.getCause() == null ? e : e.getCause()));
        } catch (NoClassDefFoundError e) {
            if (String.valueOf(e.getMessage()).startsWith("Could not initialize class")) {
                return Availability.none("TornadoVM failed to start earlier in this JVM (" + e.getMessage() + ")");
            }
            return Availability.none("the TornadoVM runtime is not on the module path (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); start the JVM with @$TORNADOVM_HOME/tornado-argfile, as ./tilewise does when "
                    + "TORNADOVM_HOME is set");
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // TornadoVM reports driver and platform problems as runtime exceptions or its own Error subclasses.
            return Availability.none("TornadoVM failed to start: " + e);
        }
    }

    @Override
    public Support supports(AttentionKernel kernel, AttentionShape shape) {
        String id = kernel.id();
        if (shape.headDim() > AttentionKernels.MAX_HEAD_DIM) {
            return Support.no("tornado: " + id + " at headDim " + shape.headDim() + " > " + AttentionKernels.MAX_HEAD_DIM
                    + " (the kernels keep a query row in private memory)");
        }
        long elements = (long) shape.batch() * shape.heads() * shape.seqLen() * shape.headDim();
        if (elements > MAX_ELEMENTS) {
            return Support.no("tornado: " + id + " tensors of " + elements + " elements exceed " + MAX_ELEMENTS);
        }
        if (kernel instanceof ParoKernel paro && paro.paroSpec().bits() != 32) {
            return Support.no("tornado: paro bits=" + paro.paroSpec().bits() + " (quantized QK) has no device kernel");
        }
        if (!known(kernel)) return Support.no("tornado: no device kernel for method " + id);
        Support onCpu = kernel.supports(shape, io.tilewise.attention.api.Device.CPU);
        return onCpu.supported() ? Support.yes() : onCpu;
    }

    private static boolean known(AttentionKernel kernel) {
        return kernel instanceof DenseKernel || kernel instanceof BlockSparseKernel || kernel instanceof RadialKernel
                || kernel instanceof GnaKernel || kernel instanceof PisaKernel || kernel instanceof ParoKernel;
    }

    @Override
    public AttentionSession prepare(AttentionKernel kernel, AttentionShape shape) {
        Support support = supports(kernel, shape);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        AttentionGraph.Variant variant = TornadoOptions.variant();
        return switch (kernel) {
            case DenseKernel ignored -> TornadoPlanSession.dense(shape, variant);
            case BlockSparseKernel b -> TornadoPlanSession.of(shape, b.plan(shape), null, null, variant);
            case RadialKernel r -> TornadoPlanSession.of(shape, r.plan(shape), null, null, variant);
            case GnaKernel g -> {
                var tiled = g.tiledPlan(shape);
                yield TornadoPlanSession.of(shape, tiled.plan(), tiled.queryOrder(), tiled.keyOrder(), variant);
            }
            case PisaKernel p -> new TornadoPisaSession(shape, p.pisaSpec(), variant);
            case ParoKernel p -> new TornadoParoSession(shape, p, variant);
            default -> throw new IllegalArgumentException("tornado: no device kernel for method " + kernel.id());
        };
    }
}
