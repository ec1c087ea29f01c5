package io.tilewise.attention.api;

/**
 * A stateless attention method built from a validated spec. {@link #prepare} binds it to one shape and device and
 * returns a session that owns buffers and plans for that shape.
 */
public interface AttentionKernel {

    /** Short method id: {@code dense}, {@code blocksparse}, {@code gna}, … */
    String id();

    /** Canonical spec string, e.g. {@code blocksparse:keep=0.25,seed=1}; parsing it gives an equal kernel. */
    String spec();

    /** Whether this kernel can run on the shape and device, and if not, why. */
    Support supports(AttentionShape shape, Device device);

    /**
     * Binds the kernel to a shape: allocates buffers and builds masks or plans once.
     *
     * @throws IllegalArgumentException when {@link #supports} says no (the message is its reason)
     */
    AttentionSession prepare(AttentionShape shape, Device device);

    /** Convenience for the CPU device. */
    default AttentionSession prepare(AttentionShape shape) {
        return prepare(shape, Device.CPU);
    }
}
