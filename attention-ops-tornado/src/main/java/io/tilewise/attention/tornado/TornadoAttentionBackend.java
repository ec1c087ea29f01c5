package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.backend.AttentionBackend;
import io.tilewise.attention.backend.Backend;

import java.util.Optional;

/**
 * The {@code tornado} attention backend (found by {@code BackendSelector} through {@link java.util.ServiceLoader}).
 * It runs a method from what the kernel exposes, never from its class: a fixed tile plan as one device plan (dense —
 * a plan of every pair — with the dense kernels; blocksparse, radial, gna with its tile orders), plans per call
 * context as one device plan per context (PARO: permutations on the device), and an input planner as a plan chosen
 * on the CPU per call and run on the device (PISA). The kernel itself says what the method allows on a device
 * ({@link AttentionKernel#supports} with this backend's device: PARO's quantized QK has no device form); methods
 * that expose none of the three are refused with a reason, and {@code auto} then runs them on the CPU.
 *
 * <p>This class touches no TornadoVM type until {@link #probe()}, so it loads even where the TornadoVM runtime is
 * missing from the module path — the probe then says so.
 */
public final class TornadoAttentionBackend implements AttentionBackend {

    /** Elements of one tensor the kernels can index (int offsets). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE;

    /** The probed device (a placeholder until a probe finds one), passed to the kernels' support checks. */
    private volatile Device device = new Device(Backend.TORNADO, "TornadoVM device");

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public Availability probe() {
        Availability found = probeRuntime();
        if (found.available()) device = found.device();
        return found;
    }

    private static Availability probeRuntime() {
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
        Support method = kernel.supports(shape, device);
        if (!method.supported()) return Support.no("tornado: " + method.reason());
        if (kernel.inputPlanner(shape).isEmpty() && kernel.contextPlans(shape).isEmpty() && fixedPlan(kernel, shape).isEmpty()) {
            return Support.no("tornado: no device kernel for method " + id + " (it exposes no fixed tile plan, context plans or input planner)");
        }
        return Support.yes();
    }

    @Override
    public AttentionSession prepare(AttentionKernel kernel, AttentionShape shape) {
        Support support = supports(kernel, shape);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        AttentionGraph.Variant variant = TornadoOptions.variant();
        Optional<InputPlanner> planner = kernel.inputPlanner(shape);
        if (planner.isPresent()) return new TornadoInputPlanSession(shape, planner.get(), variant);
        Optional<ContextPlans> context = kernel.contextPlans(shape);
        if (context.isPresent()) return new TornadoContextPlanSession(shape, context.get(), variant);
        TilePlan plan = fixedPlan(kernel, shape).orElseThrow();
        // every pair in layout order: the dense kernels, which need no plan
        if (plan.layoutOrder() && plan.executedDensity() == 1.0 && !plan.plan().hasApproximation()) {
            return TornadoPlanSession.dense(shape, variant);
        }
        return TornadoPlanSession.of(shape, plan, variant);
    }

    private static Optional<TilePlan> fixedPlan(AttentionKernel kernel, AttentionShape shape) {
        return kernel.tilePlan(shape).filter(TilePlan::fixed);
    }
}
