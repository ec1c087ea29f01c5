package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.reorder.ParoKernel;
import io.tilewise.reorder.ParoPlan;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * PARO on the device (permute q, k, v per head on the device, run each head's block mask, permute out and lse
 * back) against the CPU kernel and the fp64 reference under the plan's token mask; and the row gather itself,
 * which must be bit-exact.
 */
class ParoTornadoVsReferenceTest {

    @BeforeEach
    void device() {
        DeviceCheck.requireDevice();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} +{3} text, heads {4}, headDim {5}, {6} {7}")
    @CsvSource(delimiter = '|', value = {
            "4|8|8|0|2|64|paro:density=0.25,block=32,sample=1|TILED",
            "3|5|7|5|3|72|paro:density=0.3,block=16,sample=1|LOOP",
            "2|9|13|0|1|128|paro:density=0.5,block=40,sample=2|TILED",
            "4|16|16|0|2|64|paro:density=0.15,block=64,sample=4|LOOP"})
    void matchesTheCpuKernelAndTheMaskedReference(int frames, int height, int width, int text, int heads, int headDim,
                                                  String specText, AttentionGraph.Variant variant) {
        TokenLayout layout = new TokenLayout(new TokenGrid(frames, height, width), text,
                text == 0 ? TextPlacement.NONE : TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(1, heads, headDim, layout);
        ParoKernel kernel = (ParoKernel) AttentionMethods.create(specText);
        try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 13);
             Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor cpu = p.q().zerosLike(); Tensor cpuLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike();
             AttentionSession cpuSession = kernel.prepare(shape);
             TornadoContextPlanSession device = new TornadoContextPlanSession(shape, kernel.contextPlans(shape).orElseThrow(), variant)) {
            AttentionContext ctx = AttentionContext.standalone();
            float scale = ctx.scaleFor(headDim);
            ParoPlan calibrated = kernel.calibrate(p.q(), p.k(), scale, layout);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, calibrated.tokenMask(0, 0), expected, expectedLse);
            cpuSession.forward(p.q(), p.k(), p.v(), ctx, cpu, cpuLse);
            device.forward(p.q(), p.k(), p.v(), ctx, actual, actualLse);
            String where = specText + " " + variant + " on " + shape;
            TensorMetrics m = DeviceCheck.assertClose(actual, actualLse, expected, expectedLse, where + " vs reference");
            DeviceCheck.assertClose(actual, actualLse, cpu, cpuLse, where + " vs CPU kernel");
            assertEquals(cpuSession.executedDensity(), device.executedDensity(), 1e-12);
            System.out.printf("paro  %-5s %-60s %s density %.3f relL2 %.2e%n", variant, shape, specText,
                    device.executedDensity(), m.relL2());
        }
    }

    @Test
    void densityOneIsDenseAndEachLayerAndBranchCalibratesItsOwnGraph() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(2, 8, 12));
        AttentionShape shape = new AttentionShape(2, 2, 32, layout);
        ParoKernel kernel = (ParoKernel) AttentionMethods.create("paro:density=1,block=16,sample=1");
        try (TornadoContextPlanSession s = new TornadoContextPlanSession(shape, kernel.contextPlans(shape).orElseThrow(),
                AttentionGraph.Variant.TILED)) {
            DeviceCheck.againstReference(s, null, 5, "paro density 1");
            long afterFirst = s.hostToDeviceBytes();
            try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 6); Tensor out = p.q().zerosLike()) {
                s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().withBranch(Branch.UNCOND), out);
            }
            long secondGraph = s.hostToDeviceBytes() - afterFirst;
            try (DeviceCheck.Problem p = DeviceCheck.Problem.random(shape, 7); Tensor out = p.q().zerosLike()) {
                s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().withBranch(Branch.UNCOND), out);
            }
            long reused = s.hostToDeviceBytes() - afterFirst - secondGraph;
            assertEquals(3L * 2 * 2 * layout.seqLen() * 32 * 4 + 4, reused, "a reused graph uploads q, k, v and the scale only");
            assertNotEquals(reused, secondGraph, "a new (layer, branch) uploads its orders and plan once");
        }
    }

    @Test
    void gatherThenInverseGatherIsBitExact() {
        int heads = 3, seqLen = 257, width = 72, batch = 2;
        SplittableRandom r = new SplittableRandom(4);
        int[] forward = new int[heads * seqLen];
        int[] inverse = new int[heads * seqLen];
        for (int h = 0; h < heads; h++) {
            int[] perm = java.util.stream.IntStream.range(0, seqLen).toArray();
            for (int i = seqLen - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            for (int i = 0; i < seqLen; i++) {
                forward[h * seqLen + i] = perm[i];
                inverse[h * seqLen + perm[i]] = i;
            }
        }
        FloatArray src = new FloatArray(batch * heads * seqLen * width);
        for (int i = 0; i < src.getSize(); i++) src.set(i, (float) r.nextGaussian());
        FloatArray permuted = new FloatArray(src.getSize());
        FloatArray back = new FloatArray(src.getSize());
        IntArray map = IntArray.fromArray(forward);
        IntArray undo = IntArray.fromArray(inverse);
        IntArray dims = Dims.permutation(batch * heads, heads, seqLen, width, heads);
        TaskGraph g = new TaskGraph("gatherTest")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, src, map, undo, dims)
                .task("permute", AttentionKernels::gatherRows, src, permuted, map, dims, width)
                .task("unpermute", AttentionKernels::gatherRows, permuted, back, undo, dims, width)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, permuted, back);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot()).withDevice(TornadoDevices.selected())) {
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(src.toHeapArray(), back.toHeapArray(), "permute then unpermute must return the same bits");
        int bh = 4, i = 10, h = bh % heads;
        for (int d = 0; d < width; d++) {
            assertEquals(src.get(((bh * seqLen) + forward[h * seqLen + i]) * width + d), permuted.get((bh * seqLen + i) * width + d));
        }
    }
}
