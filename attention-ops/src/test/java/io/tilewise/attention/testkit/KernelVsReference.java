package io.tilewise.attention.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one tester every kernel goes through: seeded problem, fp64 reference (optionally masked), the kernel's
 * session, and relative L2 / max-abs bounds reported with seed and shape on failure.
 */
public final class KernelVsReference {

    /** fp32 kernels against the fp64 oracle (golden README: relative L2 ≤ 1e-4). */
    public static final double REL_L2 = 1e-4;

    private KernelVsReference() {
    }

    public static TensorMetrics check(AttentionKernel kernel, AttentionShape shape, TokenMask mask, long seed) {
        return check(kernel, shape, mask, seed, REL_L2);
    }

    public static TensorMetrics check(AttentionKernel kernel, AttentionShape shape, TokenMask mask, long seed, double relL2) {
        try (Problems p = Problems.random(shape, seed);
             Tensor expected = p.q().zerosLike();
             Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike();
             Tensor actualLse = p.q().lseLike();
             AttentionSession session = kernel.prepare(shape)) {
            float scale = AttentionContext.standalone().scaleFor(shape.headDim());
            DenseReference.forward(p.q(), p.k(), p.v(), scale, mask, expected, expectedLse);
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), actual, actualLse);
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            TensorMetrics lse = TensorMetrics.compare(actualLse, expectedLse);
            String where = kernel.spec() + " on " + shape + " seed " + seed;
            assertTrue(m.relL2() <= relL2, () -> where + ": output " + m);
            assertTrue(lse.relL2() <= relL2, () -> where + ": lse " + lse);
            return m;
        }
    }
}
