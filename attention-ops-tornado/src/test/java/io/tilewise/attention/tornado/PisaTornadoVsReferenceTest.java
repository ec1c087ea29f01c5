package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.piecewise.PisaKernel;
import io.tilewise.attention.piecewise.PisaReference;
import io.tilewise.attention.piecewise.PisaSpec;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PISA with the plan executor on the device (approximated tiles as summary keys plus the first-order term): against
 * the fp64 PISA reference and the CPU kernel, on the odd shapes of the CPU test.
 */
class PisaTornadoVsReferenceTest {

    @BeforeEach
    void device() {
        DeviceCheck.requireDevice();
    }

    @ParameterizedTest(name = "{5} batch {0} heads {1} seqLen {2} headDim {3} {4} grid {6}")
    @CsvSource(delimiter = '|', value = {
            "2|3|1000|64|pisa:density=0.25,block=64,first_order=1,bias=1|TILED|",
            "2|3|1000|64|pisa:density=0.15,block=64,first_order=0,bias=1|LOOP|",
            "1|1|1021|128|pisa:density=0.15,block=64,first_order=1,bias=0|LOOP|",
            "2|1|257|32|pisa:density=0.15,block=32,first_order=1,bias=1|TILED|",
            "1|2|300|72|pisa:density=0.25,block=40,first_order=1,bias=1|TILED|",
            "1|1|130|16|pisa:density=0.1,block=7,first_order=1,bias=1|LOOP|",
            "1|1|5|32|pisa:density=0.5,block=64,first_order=1,bias=1|TILED|",
            "2|3|1000|64|pisa:density=0.25,block=64,bias=1,keep_or_drop=1|TILED|",
            "1|1|4096|64|pisa:density=0.15,block=128,first_order=1,bias=1|TILED|",
            "2|2|256|32|pisa:density=0.25,block=16,first_order=1,bias=1|TILED|4x8x8",
            "1|2|256|32|pisa:density=0.25,block=16,first_order=0,bias=1,tile=1x4x4|LOOP|4x8x8"})
    void matchesThePisaReferenceAndTheCpuKernel(int batch, int heads, int seqLen, int headDim, String specText,
                                                AttentionGraph.Variant variant, String grid) {
        // With a grid PISA's blocks are boxes: q, k, v are gathered into box order on the host.
        AttentionShape shape = grid == null ? AttentionShape.of(batch, heads, seqLen, headDim)
                : new AttentionShape(batch, heads, headDim, TokenLayout.video(TokenGrid.parse(grid)));
        PisaSpec spec = PisaSpec.parse(MethodSpec.parse(specText));
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 7);
             Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor cpu = p.q().zerosLike(); Tensor cpuLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike();
             AttentionSession cpuSession = new PisaKernel(spec).prepare(shape);
             TornadoInputPlanSession device = new TornadoInputPlanSession(shape, new PisaKernel(spec).inputPlanner(shape).orElseThrow(), variant)) {
            float scale = AttentionContext.standalone().scaleFor(headDim);
            PisaReference.forward(p.q(), p.k(), p.v(), shape.layout(), scale, spec, expected, expectedLse);
            cpuSession.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), cpu, cpuLse);
            device.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), actual, actualLse);
            String where = specText + " " + variant + " on " + shape;
            TensorMetrics m = DeviceCheck.assertClose(actual, actualLse, expected, expectedLse, where + " vs reference");
            TensorMetrics vsCpu = DeviceCheck.assertClose(actual, actualLse, cpu, cpuLse, where + " vs CPU kernel");
            assertEquals(cpuSession.executedDensity(), device.executedDensity(), 1e-12);
            System.out.printf("pisa  %-5s %-60s %s relL2 %.2e (vs CPU kernel %.2e)%n", variant, shape, specText, m.relL2(), vsCpu.relL2());
        }
    }

    @Test
    void densityOneEqualsDenseAndEveryCallUploadsItsPlan() {
        AttentionShape shape = AttentionShape.of(2, 3, 257, 64);
        PisaSpec spec = new PisaSpec(1.0, 32, true, true, false);
        try (TornadoInputPlanSession s = new TornadoInputPlanSession(shape, new PisaKernel(spec).inputPlanner(shape).orElseThrow(),
                AttentionGraph.Variant.TILED)) {
            DeviceCheck.againstReference(s, null, 21, "pisa density 1");
            assertEquals(1.0, s.executedDensity(), 1e-12);
            long first = s.hostToDeviceBytes();
            try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 3); Tensor out = p.q().zerosLike()) {
                s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            }
            long tensors = 3L * 2 * 3 * 257 * 64 * 4;
            assertTrue(s.hostToDeviceBytes() - first > tensors, "q, k, v and the per-call plans of both batch elements");
        }
    }
}
