package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;

/**
 * The loop-parallel kernels are ordinary Java: run on the host (the {@code @Parallel} loop is a plain loop), they
 * must already match the reference — so a device mismatch is a compilation or launch problem, not the algorithm.
 */
class KernelsOnHostTest {

    @Test
    void planKernelOnTheHostMatchesTheMaskedReference() {
        DeviceCheck.requireDevice();
        AttentionShape shape = AttentionShape.of(1, 2, 300, 40);
        TokenMask mask = PlanTornadoVsReferenceTest.PREDICATE;
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(shape.seqLen(), 96, 80, shape.heads(), mask);
        DevicePlan device = DevicePlan.of(plan);
        DeviceSummaries none = DeviceSummaries.none();
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 9);
             Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike()) {
            float scale = AttentionContext.standalone().scaleFor(shape.headDim());
            DenseReference.forward(p.q(), p.k(), p.v(), scale, mask, expected, expectedLse);
            FloatArray out = new FloatArray((int) p.q().elementCount());
            FloatArray lse = new FloatArray((int) actualLse.elementCount());
            IntArray dims = Dims.of(shape.heads(), shape.heads(), shape.seqLen(), shape.headDim(), plan, false, false);
            AttentionKernels.plan(array(p.q()), array(p.k()), array(p.v()), out, lse, dims, FloatArray.fromElements(scale),
                    device.exactStart, device.exactTile, device.maskIndex, device.maskBits, device.approxStart, device.approxTile,
                    none.keyMeans, none.valueMeans, none.logCounts, none.firstOrder);
            MemorySegment.copy(out.getSegment(), 0, actual.segment(), 0, actual.elementCount() * 4);
            MemorySegment.copy(lse.getSegment(), 0, actualLse.segment(), 0, actualLse.elementCount() * 4);
            DeviceCheck.assertClose(actual, actualLse, expected, expectedLse, "plan kernel on the host");
        }
    }

    private static FloatArray array(Tensor t) {
        FloatArray a = new FloatArray((int) t.elementCount());
        MemorySegment.copy(t.segment(), 0, a.getSegment(), 0, t.elementCount() * 4);
        return a;
    }
}
