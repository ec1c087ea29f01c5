package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.tensor.Tensor;

/** Dropped tiles of a method whose own session computes exactly the kept part (its LSE covers only those pairs). */
abstract class SessionDropped implements DroppedTiles {

    private final AttentionSession session;

    SessionDropped(AttentionSession session) {
        this.session = session;
    }

    @Override
    public void inner(Split split, Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
        session.forward(q, k, v, ctx, out, lse);
    }

    @Override
    public double innerDensity() {
        return session.executedDensity();
    }

    @Override
    public void close() {
        session.close();
    }
}
