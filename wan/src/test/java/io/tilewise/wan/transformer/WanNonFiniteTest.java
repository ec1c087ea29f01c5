package io.tilewise.wan.transformer;

import io.tilewise.attention.api.Branch;
import io.tilewise.attention.testkit.PoisonKernels;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.run.NonFiniteAttentionException;
import io.tilewise.pipeline.run.Pipeline;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method whose self-attention output holds NaN stops the forward naming the layer, or, under
 * {@code nonfinite=dense}, is replaced by dense attention for that call.
 */
class WanNonFiniteTest {

    /** Method {@code poison}: dense attention with a NaN written at layer 1, head 1, token 3 (the forward is step 0, cond). */
    private static final PoisonKernels KERNELS = new PoisonKernels(1, 0, Branch.COND, 1, 3, 0, Float.NaN);

    @Test
    void nanStopsTheForwardOrFallsBackToDense() throws Exception {
        var dir = WanGoldenForwardTest.golden();
        NpyArray x = Npy.read(dir.resolve("x.npy"));
        NpyArray ctx = Npy.read(dir.resolve("ctx.npy"));
        try (WanTransformer model = WanTransformer.open(dir.resolve("model"), new Pipeline.Options(1, KERNELS))) {
            NonFiniteAttentionException e = assertThrows(NonFiniteAttentionException.class,
                    () -> model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("poison")));
            assertTrue(e.getMessage().startsWith("NaN in output of poison at layer 1, step 0, branch cond [head 1, token 3, dim 0]"),
                    e.getMessage());
            assertEquals(1, e.layer());
            float[] dense = model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("dense")).velocity();
            WanForward fallback = model.forward(x.data(), x.shape(), 421.5f, ctx.data(), 6, model.policy("nonfinite=dense;poison"));
            assertArrayEquals(dense, fallback.velocity());
            assertEquals("poison", fallback.calls().get(0).spec());
            assertEquals("dense", fallback.calls().get(1).spec());
            assertEquals(1, fallback.warnings().size(), fallback.warnings().toString());
            assertTrue(fallback.warnings().getFirst().endsWith("ran dense attention for this call (nonfinite=dense)"),
                    fallback.warnings().toString());
        }
    }
}
