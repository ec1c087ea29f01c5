package io.tilewise.attention.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.tensor.Tensor;

import java.util.List;

/**
 * Runs a kernel built from a fuzzed spec once on two tiny shapes (a 2×4×4 video grid, and the same grid with 5
 * prefix text tokens): where it says it supports the shape, prepare and forward must work and give finite output
 * and an executed density in [0, 1]. Parameter combinations that parse must not crash a kernel later.
 */
public final class KernelSmoke {

    private static final List<AttentionShape> SHAPES = List.of(
            new AttentionShape(1, 2, 8, TokenLayout.video(new TokenGrid(2, 4, 4))),
            new AttentionShape(1, 2, 8, new TokenLayout(new TokenGrid(2, 4, 4), 5, TextPlacement.PREFIX)));

    private KernelSmoke() {
    }

    public static void run(AttentionKernel kernel) {
        for (AttentionShape shape : SHAPES) run(kernel, shape);
    }

    /** One forward on {@code shape} if the kernel supports it; returns whether it ran. */
    public static boolean run(AttentionKernel kernel, AttentionShape shape) {
        if (!kernel.supports(shape, Device.CPU).supported()) return false;
        int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
        try (Tensor q = Tensor.randomNormal(1, 1f, b, h, n, d);
             Tensor k = Tensor.randomNormal(2, 1f, b, h, n, d);
             Tensor v = Tensor.randomNormal(3, 1f, b, h, n, d);
             Tensor out = q.zerosLike();
             AttentionSession session = kernel.prepare(shape, Device.CPU)) {
            session.forward(q, k, v, AttentionContext.standalone(), out);
            for (float x : out.toArray()) {
                if (!Float.isFinite(x)) throw new AssertionError(kernel.spec() + " on " + shape + " gave " + x);
            }
            double density = session.executedDensity();
            if (!(density >= 0 && density <= 1)) throw new AssertionError(kernel.spec() + " density " + density);
        }
        return true;
    }
}
