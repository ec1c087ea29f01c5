package io.tilewise.attention.backend;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of {@link BackendSelector#select}: where attention sessions are prepared, and why. With a device
 * backend chosen by {@code auto}, a method the device has no kernel for runs on the CPU and the reason is kept in
 * {@link #fallbacks()}; when the backend was asked for by name ({@code --backend tornado}), such a method is refused.
 *
 * <p>Thread-safe for {@link #prepare}; the fallback list is synchronized.
 */
public final class BackendChoice {

    private final Backend requested;
    private final AttentionBackend backend;
    private final Device device;
    private final String reason;
    private final List<String> fallbacks = new ArrayList<>();

    BackendChoice(Backend requested, AttentionBackend backend, Device device, String reason) {
        this.requested = requested;
        this.backend = backend;
        this.device = device;
        this.reason = reason;
    }

    /** The CPU for every method. */
    public static BackendChoice cpu() {
        return new BackendChoice(Backend.CPU, null, Device.CPU, "requested");
    }

    public Backend requested() {
        return requested;
    }

    /** The backend attention runs on: {@link Backend#CPU} or {@link Backend#TORNADO} (never AUTO). */
    public Backend chosen() {
        return backend == null ? Backend.CPU : Backend.parse(backend.name());
    }

    public Device device() {
        return device;
    }

    /** Why this backend: "requested", the device found, or why the preferred one was not used. */
    public String reason() {
        return reason;
    }

    /** One line for users, e.g. {@code attention backend: cpu (auto: TornadoVM not installed (…))}. */
    public String describe() {
        return "attention backend: " + chosen().id() + " on " + device.name()
                + (requested == Backend.AUTO ? " (auto: " + reason + ")" : "");
    }

    /** Whether {@code kernel} can run on {@code shape} under this choice (on the device or, for auto, the CPU). */
    public Support supports(AttentionKernel kernel, AttentionShape shape) {
        if (backend != null) {
            Support onDevice = backend.supports(kernel, shape);
            if (onDevice.supported() || requested == Backend.TORNADO) return onDevice;
        }
        return kernel.supports(shape, Device.CPU);
    }

    /**
     * Prepares {@code kernel} for {@code shape} on the chosen backend; under {@code auto}, a method without a
     * device kernel is prepared on the CPU and the reason recorded.
     *
     * @throws IllegalArgumentException when the method cannot run (the reason names the backend)
     */
    public AttentionSession prepare(AttentionKernel kernel, AttentionShape shape) {
        if (backend != null) {
            Support onDevice = backend.supports(kernel, shape);
            if (onDevice.supported()) return backend.prepare(kernel, shape);
            if (requested == Backend.TORNADO) throw new IllegalArgumentException(onDevice.reason());
            synchronized (fallbacks) {
                String line = kernel.spec() + " runs on the CPU: " + onDevice.reason();
                if (!fallbacks.contains(line)) fallbacks.add(line);
            }
        }
        Support support = kernel.supports(shape, Device.CPU);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return kernel.prepare(shape, Device.CPU);
    }

    /** Methods that ran on the CPU although a device backend was chosen, with the reason (one line each). */
    public List<String> fallbacks() {
        synchronized (fallbacks) {
            return List.copyOf(fallbacks);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
