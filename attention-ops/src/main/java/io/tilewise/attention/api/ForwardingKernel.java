package io.tilewise.attention.api;

import java.util.Objects;

/**
 * A kernel that wraps another (probing, capturing, counting, masking): id, spec and support are the inner kernel's
 * unless a subclass narrows them; the subclass decides what {@link #prepare} returns. The capabilities (tile plan,
 * context plans, input planner) are not forwarded: a wrapper changes what a session does, so it exposes one only
 * where it keeps its meaning.
 */
public abstract class ForwardingKernel implements AttentionKernel {

    protected final AttentionKernel inner;

    protected ForwardingKernel(AttentionKernel inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    public AttentionKernel inner() {
        return inner;
    }

    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public String spec() {
        return inner.spec();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        return inner.supports(shape, device);
    }
}
