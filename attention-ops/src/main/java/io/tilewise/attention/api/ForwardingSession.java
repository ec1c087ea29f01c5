package io.tilewise.attention.api;

import io.tilewise.attention.tensor.Tensor;

import java.util.Objects;

/** A session that wraps another: shape, executed density, forward and close pass through unless overridden. */
public abstract class ForwardingSession implements AttentionSession {

    protected final AttentionSession inner;

    protected ForwardingSession(AttentionSession inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override
    public AttentionShape shape() {
        return inner.shape();
    }

    @Override
    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        inner.forward(q, k, v, ctx, out, lse);
    }

    @Override
    public double executedDensity() {
        return inner.executedDensity();
    }

    @Override
    public void close() {
        inner.close();
    }
}
