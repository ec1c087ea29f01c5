package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Captured q, k, v are the call's inputs, only at the chosen conditional calls, and the output is unchanged. */
class CapturingKernelTest {

    @TempDir
    Path dir;

    @Test
    void capturesTheChosenCallsAndPassesThrough() throws Exception {
        AttentionShape shape = new AttentionShape(1, 2, 8, TokenLayout.video(new TokenGrid(2, 4, 4)));
        List<Path> written = new ArrayList<>();
        AttentionKernel kernel = CapturingKernel.<MethodSpec>wrapping(AttentionMethods::create, Set.of(new CapturingKernel.At(1, 0)),
                dir, written).apply(MethodSpec.parse("gna:window=2x3x3"));
        AttentionKernel plain = AttentionMethods.create("gna:window=2x3x3");
        try (Tensor q = Tensor.randomNormal(1, 1f, 1, 2, 32, 8); Tensor k = Tensor.randomNormal(2, 1f, 1, 2, 32, 8);
             Tensor v = Tensor.randomNormal(3, 1f, 1, 2, 32, 8); Tensor a = q.zerosLike(); Tensor b = q.zerosLike();
             AttentionSession s = kernel.prepare(shape, Device.CPU); AttentionSession p = plain.prepare(shape, Device.CPU)) {
            for (int step = 0; step < 3; step++) {
                for (Branch branch : Branch.values()) {
                    AttentionContext ctx = new AttentionContext(step, 3, 0.5, 0, branch, Float.NaN, null);
                    s.forward(q, k, v, ctx, a);
                    p.forward(q, k, v, ctx, b);
                    assertArrayEquals(b.toArray(), a.toArray());
                }
            }
            assertEquals(List.of(dir.resolve("step1-layer0-q.npy"), dir.resolve("step1-layer0-k.npy"), dir.resolve("step1-layer0-v.npy")), written);
            assertArrayEquals(k.toArray(), Npy.read(dir.resolve("step1-layer0-k.npy")).data());
        }
        assertEquals(new CapturingKernel.At(10, 3), CapturingKernel.At.parse(" 10:3 "));
        assertThrows(IllegalArgumentException.class, () -> CapturingKernel.At.parse("10"));
    }
}
