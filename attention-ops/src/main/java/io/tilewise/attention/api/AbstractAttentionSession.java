package io.tilewise.attention.api;

import io.tilewise.attention.tensor.Tensor;

/**
 * Shared session plumbing: shape checks on every forward, idempotent close, use-after-close errors. Subclasses
 * implement {@link #compute}.
 */
public abstract class AbstractAttentionSession implements AttentionSession {

    private final AttentionShape shape;
    private volatile boolean closed;

    protected AbstractAttentionSession(AttentionShape shape) {
        this.shape = shape;
    }

    @Override
    public final AttentionShape shape() {
        return shape;
    }

    @Override
    public final void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        if (closed) throw new IllegalStateException("session for " + shape + " is closed");
        requireShape(q, "q");
        requireShape(k, "k");
        requireShape(v, "v");
        requireShape(out, "out");
        if (lse != null && (lse.batch() != shape.batch() || lse.heads() != shape.heads()
                || lse.seqLen() != shape.seqLen() || lse.headDim() != 1)) {
            throw new IllegalArgumentException("lse has shape " + lse.shapeString() + ", expected [" + shape.batch()
                    + ", " + shape.heads() + ", " + shape.seqLen() + ", 1]");
        }
        compute(q, k, v, ctx == null ? AttentionContext.standalone() : ctx, out, lse);
    }

    protected abstract void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse);

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        release();
    }

    /** Frees what the session holds; called once. */
    protected void release() {
    }

    protected final boolean isClosed() {
        return closed;
    }

    private void requireShape(Tensor t, String name) {
        if (t.batch() != shape.batch() || t.heads() != shape.heads() || t.seqLen() != shape.seqLen()
                || t.headDim() != shape.headDim()) {
            throw new IllegalArgumentException(name + " has shape " + t.shapeString() + ", session expects ["
                    + shape.batch() + ", " + shape.heads() + ", " + shape.seqLen() + ", " + shape.headDim() + "]");
        }
    }
}
