package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.tensor.Tensor;

/** A session that counts q, k, v as copied in and the output as copied back, like a device session. */
public final class CopyingSession extends ForwardingSession implements DeviceTransfers {

    private long in;
    private long out;

    public CopyingSession(AttentionSession inner) {
        super(inner);
    }

    @Override
    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor o, Tensor lse) {
        in += 4 * (q.elementCount() + k.elementCount() + v.elementCount());
        out += 4 * o.elementCount();
        super.forward(q, k, v, ctx, o, lse);
    }

    @Override
    public long hostToDeviceBytes() {
        return in;
    }

    @Override
    public long deviceToHostBytes() {
        return out;
    }
}
