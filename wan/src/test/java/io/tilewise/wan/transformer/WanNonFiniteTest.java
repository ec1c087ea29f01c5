package io.tilewise.wan.transformer;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.run.NonFiniteAttentionException;
import io.tilewise.pipeline.run.Pipeline;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method whose self-attention output holds NaN stops the forward naming the layer, or, under
 * {@code nonfinite=dense}, is replaced by dense attention for that call.
 */
class WanNonFiniteTest {

    /** Method {@code poison}: dense attention with a NaN written at layer 1, head 1, token 3; others from the registry. */
    private static final Function<MethodSpec, AttentionKernel> KERNELS = spec -> {
        if (!spec.name().equals("poison")) return AttentionMethods.create(spec);
        AttentionKernel dense = AttentionMethods.create("dense");
        return new AttentionKernel() {
            @Override public String id() { return "poison"; }
            @Override public String spec() { return "poison"; }
            @Override public Support supports(AttentionShape shape, Device device) { return dense.supports(shape, device); }

            @Override
            public AttentionSession prepare(AttentionShape shape, Device device) {
                AttentionSession inner = dense.prepare(shape, device);
                return new AttentionSession() {
                    @Override public AttentionShape shape() { return inner.shape(); }
                    @Override public double executedDensity() { return inner.executedDensity(); }
                    @Override public void close() { inner.close(); }

                    @Override
                    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                        inner.forward(q, k, v, ctx, out, lse);
                        if (ctx.layer() == 1) out.set(0, 1, 3, 0, Float.NaN);
                    }
                };
            }
        };
    };

    @Test
    void nanStopsTheForwardOrFallsBackToDense() throws Exception {
        var dir = WanGoldenForwardTest.golden();
        NpyArray x = Npy.read(dir.resolve("x.npy"));
        NpyArray ctx = Npy.read(dir.resolve("ctx.npy"));
        try (WanTransformer model = WanTransformer.open(dir.resolve("model"), new Pipeline.Options(1, KERNELS))) {
            NonFiniteAttentionException e = assertThrows(NonFiniteAttentionException.class,
                    () -> model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("poison")));
            assertTrue(e.getMessage().startsWith("non-finite self-attention output of poison at layer 1, batch item 0"), e.getMessage());
            assertEquals(1, e.layer());
            float[] dense = model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("dense")).velocity();
            WanForward fallback = model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("nonfinite=dense;poison"));
            assertArrayEquals(dense, fallback.velocity());
            assertEquals("poison", fallback.calls().get(0).spec());
            assertEquals("dense", fallback.calls().get(1).spec());
        }
    }
}
