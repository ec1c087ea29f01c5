package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.backend.AttentionBackend;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared by the device tests: skips (with the probe's reason) where no TornadoVM device is found, seeds problems
 * like the CPU tests do, and compares against the fp64 reference at fp32 tolerance.
 */
final class DeviceCheck {

    /** fp32 kernels against the fp64 oracle: relative L2 (the project's golden bar). */
    static final double REL_L2 = 1e-4;

    private static AttentionBackend.Availability availability;

    private DeviceCheck() {
    }

    /** Skips the calling test, naming why, unless TornadoVM finds a device. */
    static synchronized void requireDevice() {
        if (availability == null) availability = new TornadoAttentionBackend().probe();
        Assumptions.assumeTrue(availability.available(), () -> "no TornadoVM device: " + availability.reason());
    }

    /** The awkward shapes of the foundation issue: odd lengths, vector tails, several heads and batches. */
    static Stream<AttentionShape> foundationShapes() {
        return Stream.of(
                AttentionShape.of(1, 1, 1, 64),
                AttentionShape.of(1, 1, 7, 32),
                AttentionShape.of(1, 3, 7, 72),
                AttentionShape.of(2, 3, 1021, 64),
                AttentionShape.of(1, 1, 1021, 128),
                AttentionShape.of(1, 3, 1021, 72),
                AttentionShape.of(2, 1, 1021, 32),
                AttentionShape.of(1, 1, 4096, 64),
                AttentionShape.of(2, 1, 130, 128));
    }

    /** Seeded q/k/v; keys spread wider than N(0,1)·scale so the softmax is not flat (as the CPU tests). */
    record Problem(Tensor q, Tensor k, Tensor v) implements AutoCloseable {
        static Problem random(AttentionShape shape, long seed) {
            int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
            return new Problem(Tensor.randomNormal(seed, 1.5f, b, h, n, d), Tensor.randomNormal(seed + 1, 1.5f, b, h, n, d),
                    Tensor.randomNormal(seed + 2, 1f, b, h, n, d));
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
        }
    }

    /** Runs {@code session} and the (masked) fp64 reference on one problem; asserts output and LSE agree. */
    static TensorMetrics againstReference(AttentionSession session, TokenMask mask, long seed, String what) {
        AttentionShape shape = session.shape();
        try (Problem p = Problem.random(shape, seed);
             Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike()) {
            float scale = AttentionContext.standalone().scaleFor(shape.headDim());
            DenseReference.forward(p.q(), p.k(), p.v(), scale, mask, expected, expectedLse);
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), actual, actualLse);
            return assertClose(actual, actualLse, expected, expectedLse, what + " on " + shape + " seed " + seed);
        }
    }

    static TensorMetrics assertClose(Tensor actual, Tensor actualLse, Tensor expected, Tensor expectedLse, String where) {
        TensorMetrics m = TensorMetrics.compare(actual, expected);
        TensorMetrics lse = TensorMetrics.compare(actualLse, expectedLse);
        assertTrue(m.relL2() <= REL_L2, () -> where + ": output " + m);
        assertTrue(lse.relL2() <= REL_L2, () -> where + ": lse " + lse);
        return m;
    }
}
