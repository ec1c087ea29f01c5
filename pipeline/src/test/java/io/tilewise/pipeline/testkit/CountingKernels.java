package io.tilewise.pipeline.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
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
        AttentionKernel kernel = AttentionMethods.create(spec);
        String id = kernel.id();
        return new ForwardingKernel(kernel) {
            @Override
            public AttentionSession prepare(AttentionShape shape, Device device) {
                return new ForwardingSession(inner.prepare(shape, device)) {
                    @Override
                    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                        calls.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
                        super.forward(q, k, v, ctx, out, lse);
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
