package io.tilewise.attention.backend;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;

/**
 * A device backend for attention, found on the class path through {@link java.util.ServiceLoader} (the optional
 * {@code attention-ops-tornado} module provides {@code tornado}). It runs the methods it has device kernels for;
 * {@link BackendChoice} decides what happens to the others.
 *
 * <p>Implementations must be cheap to construct: the device is only touched in {@link #probe()}.
 */
public interface AttentionBackend {

    /** Backend id as {@link Backend} spells it, e.g. {@code tornado}. */
    String name();

    /** Looks for a usable device; called once per selection. Never throws: a failure is an unavailable answer. */
    Availability probe();

    /** Whether this backend has a device kernel for {@code kernel} on {@code shape}, and if not, why. */
    Support supports(AttentionKernel kernel, AttentionShape shape);

    /**
     * A session of {@code kernel} for {@code shape} on the probed device.
     *
     * @throws IllegalArgumentException when {@link #supports} says no (the message is its reason)
     */
    AttentionSession prepare(AttentionKernel kernel, AttentionShape shape);

    /** Result of {@link #probe()}: a device, or the reason there is none. */
    record Availability(Device device, String reason) {

        public static Availability of(Device device) {
            return new Availability(device, "device found");
        }

        public static Availability none(String reason) {
            return new Availability(null, reason);
        }

        public boolean available() {
            return device != null;
        }
    }
}
