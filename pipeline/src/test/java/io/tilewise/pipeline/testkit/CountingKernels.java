package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A kernel factory that wraps the registered kernels and counts forward calls per method id. */
public final class CountingKernels implements Function<MethodSpec, AttentionKernel> {

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @Override
    public AttentionKernel apply(MethodSpec spec) {
        AttentionKernel inner = AttentionMethods.create(spec);
        return new AttentionKernel() {
            @Override public String id() { return inner.id(); }
            @Override public String spec() { return inner.spec(); }
            @Override public Support supports(AttentionShape shape, Device device) { return inner.supports(shape, device); }

            @Override
            public AttentionSession prepare(AttentionShape shape, Device device) {
                AttentionSession session = inner.prepare(shape, device);
                return new AttentionSession() {
                    @Override public AttentionShape shape() { return session.shape(); }
                    @Override public double executedDensity() { return session.executedDensity(); }
                    @Override public void close() { session.close(); }

                    @Override
                    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                        calls.computeIfAbsent(inner.id(), id -> new AtomicInteger()).incrementAndGet();
                        session.forward(q, k, v, ctx, out, lse);
                    }
                };
            }
        };
    }

    public int calls(String id) {
        AtomicInteger n = calls.get(id);
        return n == null ? 0 : n.get();
    }
}
