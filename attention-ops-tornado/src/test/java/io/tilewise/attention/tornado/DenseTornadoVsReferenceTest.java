package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dense attention on the TornadoVM device, both kernel families, against the fp64 reference. */
class DenseTornadoVsReferenceTest {

    @BeforeEach
    void device() {
        DeviceCheck.requireDevice();
    }

    static Stream<Arguments> cases() {
        return DeviceCheck.foundationShapes().flatMap(s -> Arrays.stream(AttentionGraph.Variant.values()).map(v -> Arguments.of(s, v)));
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void matchesReferenceOnTheFoundationShapes(AttentionShape shape, AttentionGraph.Variant variant) {
        try (AttentionSession s = TornadoPlanSession.dense(shape, variant)) {
            TensorMetrics m = DeviceCheck.againstReference(s, null, 11, "dense " + variant);
            System.out.printf("dense %-5s %-60s relL2 %.2e maxAbs %.2e%n", variant, shape, m.relL2(), m.maxAbs());
        }
    }

    @Test
    void sameInputTwiceGivesIdenticalBitsAndCopiesAreCounted() {
        AttentionShape shape = AttentionShape.of(1, 2, 300, 64);
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 3);
             Tensor a = p.q().zerosLike(); Tensor b = p.q().zerosLike();
             TornadoPlanSession s = TornadoPlanSession.dense(shape, AttentionGraph.Variant.TILED)) {
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
            long in = s.hostToDeviceBytes();
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
            assertArrayEquals(a.toArray(), b.toArray());
            long tensorBytes = 4L * 2 * 300 * 64;
            assertEquals(3 * tensorBytes + 4, s.hostToDeviceBytes() - in, "second call: q, k, v and the scale only");
            assertEquals(2 * tensorBytes, s.deviceToHostBytes(), "out twice, no lse asked for");
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        AttentionShape shape = AttentionShape.of(1, 1, 8, 16);
        AttentionSession s = TornadoPlanSession.dense(shape, AttentionGraph.Variant.TILED);
        s.close();
        s.close();
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 1); Tensor out = p.q().zerosLike()) {
            assertThrows(IllegalStateException.class, () -> s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out));
        }
    }

    @Test
    void customScaleIsUsed() {
        AttentionShape shape = AttentionShape.of(1, 1, 64, 32);
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 5);
             Tensor expected = p.q().zerosLike(); Tensor actual = p.q().zerosLike();
             AttentionSession s = TornadoPlanSession.dense(shape, AttentionGraph.Variant.LOOP)) {
            io.tilewise.attention.dense.DenseReference.forward(p.q(), p.k(), p.v(), 0.5f, null, expected, null);
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().withScale(0.5f), actual);
            assertTrue(TensorMetrics.compare(actual, expected).relL2() <= DeviceCheck.REL_L2);
        }
    }
}
