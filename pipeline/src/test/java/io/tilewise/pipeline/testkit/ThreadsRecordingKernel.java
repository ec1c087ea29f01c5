package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

import java.util.List;

/** A kernel whose sessions record {@link Parallel#threads()} at every call (what our kernels were given). */
public final class ThreadsRecordingKernel extends ForwardingKernel {

    private final List<Integer> seen;

    public ThreadsRecordingKernel(AttentionKernel inner, List<Integer> seen) {
        super(inner);
        this.seen = seen;
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        return new ForwardingSession(inner.prepare(shape, device)) {
            @Override
            public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                seen.add(Parallel.threads());
                super.forward(q, k, v, ctx, out, lse);
            }
        };
    }
}
