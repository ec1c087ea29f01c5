package io.tilewise.attention.dense;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.testkit.KernelVsReference;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DenseKernelVsReferenceTest {

    /** The awkward shapes of the foundation issue: odd lengths, vector tails, several heads and batches. */
    static Stream<Arguments> fixedShapes() {
        return Stream.of(
                Arguments.of(1, 1, 1, 64),
                Arguments.of(1, 1, 7, 32),
                Arguments.of(1, 3, 7, 72),
                Arguments.of(2, 3, 1021, 64),
                Arguments.of(1, 1, 1021, 128),
                Arguments.of(1, 3, 1021, 72),
                Arguments.of(2, 1, 1021, 32),
                Arguments.of(1, 1, 4096, 64),
                Arguments.of(2, 1, 130, 128));
    }

    @ParameterizedTest(name = "batch {0} heads {1} seqLen {2} headDim {3}")
    @MethodSource("fixedShapes")
    void matchesReferenceOnFixedShapes(int batch, int heads, int seqLen, int headDim) {
        KernelVsReference.check(new DenseKernel(), AttentionShape.of(batch, heads, seqLen, headDim), null, 11);
    }

    static IntStream seeds() {
        return IntStream.range(0, Boolean.getBoolean("tilewise.tests.extended") ? 200 : 10);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesReferenceOnRandomShapes(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] dims = {16, 32, 40, 64, 72, 96, 128};
        AttentionShape shape = AttentionShape.of(1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(700), dims[r.nextInt(dims.length)]);
        KernelVsReference.check(new DenseKernel(), shape, null, seed);
    }

    @Test
    void sameInputTwiceGivesIdenticalBits() {
        AttentionShape shape = AttentionShape.of(1, 2, 777, 64);
        try (Problems p = Problems.random(shape, 3);
             Tensor a = p.q().zerosLike();
             Tensor b = p.q().zerosLike();
             AttentionSession s = new DenseKernel().prepare(shape)) {
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
            assertArrayEquals(a.toArray(), b.toArray());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        AttentionShape shape = AttentionShape.of(1, 1, 8, 16);
        AttentionSession s = new DenseKernel().prepare(shape);
        s.close();
        s.close();
        try (Problems p = Problems.random(shape, 1); Tensor out = p.q().zerosLike()) {
            assertThrows(IllegalStateException.class,
                    () -> s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out));
        }
    }

    @Test
    void wrongShapeIsRefusedWithItsName() {
        try (AttentionSession s = new DenseKernel().prepare(AttentionShape.of(1, 1, 8, 16));
             Tensor q = Tensor.allocate(1, 1, 8, 16);
             Tensor k = Tensor.allocate(1, 1, 9, 16);
             Tensor out = q.zerosLike()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.forward(q, k, q, AttentionContext.standalone(), out));
            assertEquals("k has shape [1, 1, 9, 16], session expects [1, 1, 8, 16]", e.getMessage());
        }
    }
}
