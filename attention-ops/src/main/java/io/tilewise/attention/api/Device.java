package io.tilewise.attention.api;

import io.tilewise.attention.backend.Backend;

import java.util.Objects;

/**
 * Where a session runs: the host CPU ({@link #CPU}, always there) or a device a backend found (e.g. a TornadoVM GPU,
 * from {@code AttentionBackend.probe()}). A kernel's own sessions run on the host; a device backend runs a kernel
 * from what it exposes (its tile plan, context plans or input planner) and asks
 * {@link AttentionKernel#supports(AttentionShape, Device)} with its device whether the method allows that.
 *
 * @param backend the backend that runs sessions here: {@link Backend#CPU} or a device backend, never {@code AUTO}
 * @param name    the device as users see it, e.g. {@code host CPU} or the GPU's name
 */
public record Device(Backend backend, String name) {

    public static final Device CPU = new Device(Backend.CPU, "host CPU");

    public Device {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(name, "name");
        if (backend == Backend.AUTO) throw new IllegalArgumentException("a device belongs to a backend, not to 'auto'");
    }

    /** Whether sessions run on the host CPU, i.e. the kernel's own sessions. */
    public boolean host() {
        return backend == Backend.CPU;
    }

    /**
     * The answer of a method whose work only its own host sessions can do (no plan a device backend could run):
     * yes on the host, else why not.
     */
    public Support hostOnly(String method) {
        return host() ? Support.yes() : Support.no(method + ": runs on the host CPU only, not on " + backend.id() + " (" + name + ")");
    }

    /**
     * For {@code prepare} of kernels whose device sessions come from a backend: a host device passes, another one is
     * refused with a line saying where such sessions are made.
     *
     * @throws IllegalArgumentException for a device that is not the host
     */
    public void requireHost(String method) {
        if (!host()) {
            throw new IllegalArgumentException(method + ": a " + backend.id() + " session is prepared by the " + backend.id()
                    + " backend (BackendChoice.prepare), not by the kernel");
        }
    }

    @Override
    public String toString() {
        return backend.id() + " (" + name + ")";
    }
}
