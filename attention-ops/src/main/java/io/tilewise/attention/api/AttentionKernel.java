package io.tilewise.attention.api;

import java.util.Optional;

/**
 * A stateless attention method built from a validated spec. {@link #prepare} binds it to one shape and device and
 * returns a session that owns buffers and plans for that shape.
 *
 * <p>Besides running, a kernel says what wrappers and tools need to know about its work, so that they never ask
 * which class it is (a new method plugs in through its own package and provider): its {@link #tilePlan tile plan},
 * its {@link #predictedDensity predicted density}, and — for methods whose plan is not fixed — its
 * {@link #contextPlans context plans} or {@link #inputPlanner input planner}. Residual reuse, the block-causal
 * wrapper, device backends, {@code inspect} and the sweep's dry run read these. Each is empty by default; a wrapper
 * exposes one only where it keeps its meaning.
 */
public interface AttentionKernel {

    /** Short method id: {@code dense}, {@code blocksparse}, {@code gna}, … */
    String id();

    /** Canonical spec string, e.g. {@code blocksparse:keep=0.25,seed=1}; parsing it gives an equal kernel. */
    String spec();

    /**
     * Whether this method can run on the shape and device, and if not, why. On the host the kernel's own session
     * runs; on another device its backend runs the plan the kernel exposes, so the kernel answers for what the
     * method allows there (e.g. PARO's quantized QK has no device form) and the backend for its own limits.
     */
    Support supports(AttentionShape shape, Device device);

    /**
     * Binds the kernel to a shape on the host: allocates buffers and builds masks or plans once. Sessions on other
     * devices come from their backend ({@code BackendChoice.prepare}).
     *
     * @throws IllegalArgumentException when {@link #supports} says no (the message is its reason), or for a device
     *                                  other than the host
     */
    AttentionSession prepare(AttentionShape shape, Device device);

    /** Convenience for the CPU device. */
    default AttentionSession prepare(AttentionShape shape) {
        return prepare(shape, Device.CPU);
    }

    /**
     * The tile plan this method runs on {@code shape}, with its token orders: {@link TilePlan#fixed() fixed} when every
     * call runs it, else a representative plan of its cost (seeded inputs, the first group). Empty when the method's
     * work is no tile plan (e.g. ONNX Runtime's attention). Call only where {@link #supports} says yes.
     */
    default Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.empty();
    }

    /**
     * The executed density a run is expected to have on {@code shape}, before running: the tile plan's by default,
     * 1 without a plan. Wrappers that skip work over calls (caches) override it.
     */
    default double predictedDensity(AttentionShape shape) {
        return tilePlan(shape).map(TilePlan::executedDensity).orElse(1.0);
    }

    /** The per-context plans of a method whose plan changes with the call's step group or layer (PARO). */
    default Optional<ContextPlans> contextPlans(AttentionShape shape) {
        return Optional.empty();
    }

    /** The planner of a method that chooses its tiles from each call's inputs (PISA). */
    default Optional<InputPlanner> inputPlanner(AttentionShape shape) {
        return Optional.empty();
    }
}
