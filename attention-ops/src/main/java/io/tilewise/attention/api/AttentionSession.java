package io.tilewise.attention.api;

import io.tilewise.attention.tensor.Tensor;

/**
 * A kernel bound to one shape. Not thread-safe: one forward at a time per session (a session reuses its
 * buffers). Closing is idempotent; use after close throws {@link IllegalStateException}.
 */
public interface AttentionSession extends AutoCloseable {

    AttentionShape shape();

    /**
     * Computes attention. Inputs are {@code [batch, heads, seqLen, headDim]} and are not modified; {@code out}
     * has the same shape and token order. {@code lse} may be null, else {@code [batch, heads, seqLen, 1]}: the
     * log-sum-exp of the scaled scores per query row, for exact merges of partial attentions.
     */
    void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse);

    default void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out) {
        forward(q, k, v, ctx, out, null);
    }

    /** Fraction of (query, key) pairs the session computes after tiling (1 for dense). */
    double executedDensity();

    @Override
    void close();
}
