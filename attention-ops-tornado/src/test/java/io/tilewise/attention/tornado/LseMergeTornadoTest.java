package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.merge.LseMerge;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device LSE merge against the CPU {@link LseMerge} and against the identity it exists for: attention over
 * disjoint key halves, merged, equals attention over all keys.
 */
class LseMergeTornadoTest {

    @BeforeEach
    void device() {
        DeviceCheck.requireDevice();
    }

    @Test
    void mergingTwoHalvesEqualsAttentionOverAllKeysAndMatchesTheCpuMerge() {
        AttentionShape shape = AttentionShape.of(2, 3, 1021, 72);
        int split = 400;
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 17);
             Tensor full = p.q().zerosLike(); Tensor fullLse = p.q().lseLike();
             Tensor a = p.q().zerosLike(); Tensor lseA = p.q().lseLike();
             Tensor b = p.q().zerosLike(); Tensor lseB = p.q().lseLike();
             Tensor cpuA = p.q().zerosLike(); Tensor cpuLseA = p.q().lseLike();
             TornadoLseMerge merge = new TornadoLseMerge(2 * 3 * 1021, 72)) {
            float scale = AttentionContext.standalone().scaleFor(72);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, null, full, fullLse);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, (q, k) -> k < split, a, lseA);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, (q, k) -> k >= split, b, lseB);
            cpuA.copyFrom(a);
            cpuLseA.copyFrom(lseA);
            LseMerge.mergeInto(cpuA, cpuLseA, b, lseB);
            merge.mergeInto(a, lseA, b, lseB);
            DeviceCheck.assertClose(a, lseA, full, fullLse, "merged halves vs all keys");
            TensorMetrics vsCpu = TensorMetrics.compare(a, cpuA);
            assertTrue(vsCpu.relL2() <= 1e-6, () -> "device merge vs CPU merge: " + vsCpu);
        }
    }

    @Test
    void aSideWithoutKeysLeavesTheOtherUnchanged() {
        try (Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
             Tensor lseA = Tensor.of(new float[] {0.5f, Float.NEGATIVE_INFINITY}, 1, 1, 2, 1);
             Tensor b = Tensor.of(new float[] {9, 9, 7, 8}, 1, 1, 2, 2);
             Tensor lseB = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 1.5f}, 1, 1, 2, 1);
             TornadoLseMerge merge = new TornadoLseMerge(2, 2)) {
            merge.mergeInto(a, lseA, b, lseB);
            assertEquals(java.util.List.of(1f, 2f, 7f, 8f), java.util.List.of(a.get(0, 0, 0, 0), a.get(0, 0, 0, 1),
                    a.get(0, 0, 1, 0), a.get(0, 0, 1, 1)));
            assertEquals(0.5f, lseA.get(0, 0, 0, 0));
            assertEquals(1.5f, lseA.get(0, 0, 1, 0));
        }
    }
}
