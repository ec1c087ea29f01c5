package io.tilewise.wan.transformer;

import io.tilewise.wan.reference.Errors;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.run.Pipeline;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden Wan forward case (tiny random diffusers pipeline folder, expected output computed in float64 by an
 * independent implementation of diffusers' {@code WanTransformer3DModel}): dense attention through the ORT stages
 * agrees to relative L2 ≤ 1e-4 (case.json's tolerance).
 */
class WanGoldenForwardTest {

    static Path golden() throws Exception {
        return Path.of(WanGoldenForwardTest.class.getResource("/golden/forward/case.json").toURI()).getParent();
    }

    @Test
    void denseForwardMatchesTheGoldenOutput() throws Exception {
        Path dir = golden();
        NpyArray x = Npy.read(dir.resolve("x.npy"));
        NpyArray ctx = Npy.read(dir.resolve("ctx.npy"));
        NpyArray expected = Npy.read(dir.resolve("v.npy"));
        try (WanTransformer model = WanTransformer.open(dir.resolve("model"), new Pipeline.Options(2, null))) {
            assertEquals(WanCheckpoint.Layout.DIFFUSERS, model.layout());
            WanForward out = model.forward(x.data(), x.shape(), 421.5f, ctx.data(), ctx.shape()[1], model.policy("dense"));
            assertArrayEquals(expected.shape(), out.shape());
            double err = Errors.relativeL2(out.velocity(), expected.data());
            System.out.println("golden forward relative L2 " + err);
            assertTrue(err <= 1e-4, "relative L2 " + err);
            assertEquals(2, out.calls().size());
        }
    }
}
