package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParoKernelVsReferenceTest {

    private static final TokenLayout PREFIX77 = new TokenLayout(new TokenGrid(3, 5, 7), 77, TextPlacement.PREFIX);
    private static final TokenLayout SUFFIX1 = new TokenLayout(new TokenGrid(2, 9, 4), 1, TextPlacement.SUFFIX);
    private static final TokenLayout VIDEO = TokenLayout.video(new TokenGrid(4, 8, 8));

    @TempDir
    Path dir;

    private static ParoKernel kernel(String spec) {
        AttentionKernel k = AttentionMethods.create(spec);
        return assertInstanceOf(ParoKernel.class, k);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AxisOrder.class)
    void allOnMaskEqualsDenseInEveryOrder(AxisOrder order) {
        AttentionShape shape = new AttentionShape(2, 3, 72, PREFIX77);
        ParoPlan plan = ParoTesting.randomPlan("m", PREFIX77, 16, 1, 1, new AxisOrder[] {order, order, order}, 1.0, 1);
        Path file = ParoTesting.write(plan, dir, "all-on.plan");
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 11)) {
            ParoTesting.againstReference(kernel("paro:plan=" + file), shape, p, null, AttentionContext.standalone(), ParoTesting.REL_L2);
        }
    }

    @Test
    void densityOneSelfCalibratedEqualsDense() {
        AttentionShape shape = new AttentionShape(1, 2, 64, SUFFIX1);
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 12)) {
            ParoTesting.againstReference(kernel("paro:density=1,block=16"), shape, p, null, AttentionContext.standalone(), ParoTesting.REL_L2);
        }
    }

    static Stream<Arguments> sparseCases() {
        return Stream.of(Arguments.of(PREFIX77, 16), Arguments.of(SUFFIX1, 16), Arguments.of(VIDEO, 32));
    }

    @ParameterizedTest(name = "{0} block {1}")
    @MethodSource("sparseCases")
    void sparsePlanEqualsTheReferenceMaskedByThePlanInOriginalOrder(TokenLayout layout, int block) {
        AttentionShape shape = new AttentionShape(1, 6, 32, layout);
        ParoPlan plan = ParoTesting.randomPlan("m", layout, block, 1, 1, AxisOrder.values(), 0.3, 5);
        Path file = ParoTesting.write(plan, dir, "sparse.plan");
        ParoKernel k = kernel("paro:plan=" + file);
        assertTrue(k.plan(shape).executedDensity() < 0.8, "plan is really sparse: " + k.plan(shape));
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 13)) {
            ParoTesting.againstReference(k, shape, p, plan.tokenMask(0, 0), AttentionContext.standalone(), ParoTesting.REL_L2);
        }
    }

    @Test
    void selfCalibratedKernelEqualsTheReferenceMaskedByItsOwnCalibration() {
        TokenLayout layout = new TokenLayout(new TokenGrid(4, 8, 8), 20, TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(1, 4, 32, layout);
        double[][] logits = {{3, 0, 6}, {3, 6, 0}, {6, 3, 0}, {0, 3, 6}};
        try (Tensor qk = SyntheticQk.oneHot(layout, 32, logits, 1);
             Tensor v = Tensor.randomNormal(9, 1f, 1, 4, layout.seqLen(), 32)) {
            ParoKernel k = kernel("paro:density=0.25,block=16,sample=1");
            float scale = AttentionContext.standalone().scaleFor(32);
            ParoPlan calibrated = k.calibrate(qk, qk, scale, layout);
            assertEquals(AxisOrder.WFH, calibrated.order(0, 0, 0));
            assertEquals(AxisOrder.HFW, calibrated.order(0, 0, 1));
            ParoTesting.Result r = ParoTesting.againstReference(k, shape, new ParoTesting.Problem(qk, qk, v),
                    calibrated.tokenMask(0, 0), AttentionContext.standalone(), ParoTesting.REL_L2);
            assertTrue(r.output().relL2() < 1e-5);
        }
    }

    @Test
    void selfCalibrationHappensOncePerLayerAndBranch() {
        AttentionShape shape = new AttentionShape(1, 2, 32, VIDEO);
        ParoKernel k = kernel("paro:density=0.25,block=32,sample=1");
        AttentionContext layer0 = AttentionContext.standalone();
        AttentionContext layer1 = layer0.withLayer(1);
        AttentionContext uncond = layer0.withBranch(Branch.UNCOND);
        float scale = layer0.scaleFor(32);
        try (ParoTesting.Problem first = ParoTesting.Problem.random(shape, 21);
             ParoTesting.Problem second = ParoTesting.Problem.random(shape, 31);
             AttentionSession s = k.prepare(shape);
             Tensor out = first.q().zerosLike(); Tensor expected = first.q().zerosLike()) {
            TokenMask fromFirst = k.calibrate(first.q(), first.k(), scale, VIDEO).tokenMask(0, 0);
            TokenMask fromSecond = k.calibrate(second.q(), second.k(), scale, VIDEO).tokenMask(0, 0);
            s.forward(first.q(), first.k(), first.v(), layer0, out);
            // same layer and branch: the first call's plan is reused for new inputs
            s.forward(second.q(), second.k(), second.v(), layer0, out);
            DenseReference.forward(second.q(), second.k(), second.v(), scale, fromFirst, expected, null);
            assertTrue(TensorMetrics.compare(out, expected).relL2() <= ParoTesting.REL_L2);
            // another layer or branch calibrates on its own first call
            for (AttentionContext other : new AttentionContext[] {layer1, uncond}) {
                s.forward(second.q(), second.k(), second.v(), other, out);
                DenseReference.forward(second.q(), second.k(), second.v(), scale, fromSecond, expected, null);
                assertTrue(TensorMetrics.compare(out, expected).relL2() <= ParoTesting.REL_L2, other.toString());
            }
            assertTrue(s.executedDensity() < 0.6, "density " + s.executedDensity());
        }
    }

    @Test
    void theCallsStepAndLayerSelectTheTimestepGroupAndLayer() {
        AttentionShape shape = new AttentionShape(1, 3, 32, PREFIX77);
        AxisOrder[] orders = {AxisOrder.HWF, AxisOrder.WFH, AxisOrder.FWH};
        ParoPlan plan = ParoTesting.randomPlan("m", PREFIX77, 16, 3, 2, orders, 0.3, 8);
        ParoKernel k = kernel("paro:plan=" + ParoTesting.write(plan, dir, "groups.plan") + ",model=m");
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 14)) {
            // 10 steps, 3 groups: step 6 → ⌊7·3/10⌋ = 2; layer 1
            AttentionContext ctx = AttentionContext.standalone().withStep(6, 10, 0.4).withLayer(1);
            ParoTesting.againstReference(k, shape, p, plan.tokenMask(2, 1), ctx, ParoTesting.REL_L2);
            AttentionContext early = AttentionContext.standalone().withStep(1, 10, 0.9);
            ParoTesting.againstReference(k, shape, p, plan.tokenMask(0, 0), early, ParoTesting.REL_L2);
            try (AttentionSession s = k.prepare(shape); Tensor out = p.q().zerosLike()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone().withLayer(2), out));
                assertTrue(e.getMessage().contains("layer 2 not in 0..1"), e.getMessage());
            }
        }
    }

    @Test
    void int8MatchesTheReferenceOnBlockQuantizedInputsAndInt4IsCoarser() {
        TokenLayout layout = new TokenLayout(new TokenGrid(4, 8, 8), 20, TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(1, 3, 64, layout);
        AxisOrder[] orders = {AxisOrder.WHF, AxisOrder.FHW, AxisOrder.HFW};
        ParoPlan plan = ParoTesting.randomPlan("m", layout, 32, 1, 1, orders, 0.4, 3);
        Path file = ParoTesting.write(plan, dir, "quant.plan");
        AttentionContext ctx = AttentionContext.standalone();
        TokenMask mask = plan.tokenMask(0, 0);
        // unit-variance q and k (score std 1, as after q/k normalisation); sharper inputs quantize worse
        int n = layout.seqLen();
        try (ParoTesting.Problem p = new ParoTesting.Problem(Tensor.randomNormal(15, 1f, 1, 3, n, 64),
                Tensor.randomNormal(16, 1f, 1, 3, n, 64), Tensor.randomNormal(17, 1f, 1, 3, n, 64))) {
            double[] error = new double[3];
            int[] bits = {32, 8, 4};
            try (Tensor fp32 = p.q().zerosLike()) {
                try (AttentionSession s = kernel("paro:plan=" + file).prepare(shape)) {
                    s.forward(p.q(), p.k(), p.v(), ctx, fp32);
                }
                for (int i = 1; i < 3; i++) {
                    try (Tensor out = p.q().zerosLike(); Tensor qq = quantized(p.q(), plan, bits[i]);
                         Tensor kq = quantized(p.k(), plan, bits[i]);
                         AttentionSession s = kernel("paro:plan=" + file + ",bits=" + bits[i]).prepare(shape)) {
                        s.forward(p.q(), p.k(), p.v(), ctx, out);
                        error[i] = TensorMetrics.compare(out, fp32).relL2();
                        // exactly the masked reference on block-quantized q and k: the quantization path is right
                        ParoTesting.againstReference(kernel("paro:plan=" + file + ",bits=" + bits[i]), shape,
                                new ParoTesting.Problem(qq, kq, p.v()), mask, ctx, ParoTesting.REL_L2);
                    }
                }
            }
            // Expected size: per-element rounding error max|x|/127/√12 ≈ 4.2/127/3.46 ≈ 0.0095 for N(0,1) blocks, so
            // the logit error has std τ·√(2·headDim)·0.0095 ≈ 0.013; with random V (a small-norm average) the output
            // relL2 is of the same size as that logit error. Bound: about 1.5× the estimate.
            assertTrue(error[1] > 0 && error[1] < 2e-2, "INT8 relL2 vs fp32 " + error[1]);
            assertTrue(error[2] > error[1], "INT4 " + error[2] + " should exceed INT8 " + error[1]);
        }
    }

    /** q or k quantized per block of the plan in each head's order, brought back to the original order. */
    private static Tensor quantized(Tensor x, ParoPlan plan, int bits) {
        TokenPermutation[] perms = plan.permutations(0, 0);
        Tensor permuted = x.zerosLike();
        Permute.apply(perms, x, permuted);
        int n = x.seqLen(), d = x.headDim();
        float[] rows = new float[n * d];
        for (int h = 0; h < x.heads(); h++) {
            permuted.copyHeadTo(0, h, rows, 0);
            BlockQuantizer.roundTrip(rows, n, d, plan.blockSize(), bits);
            permuted.copyRowsFrom(0, h, 0, n, rows, 0);
        }
        Tensor result = x.zerosLike();
        Permute.undo(perms, permuted, result);
        permuted.close();
        return result;
    }

    @Test
    void supportsRefusesAPlanForAnotherLayoutOrHeadCount() {
        ParoPlan plan = ParoTesting.randomPlan("m", PREFIX77, 16, 1, 1, new AxisOrder[] {AxisOrder.HWF}, 0.5, 1);
        ParoKernel k = kernel("paro:plan=" + ParoTesting.write(plan, dir, "p.plan"));
        Support other = k.supports(new AttentionShape(1, 1, 32, SUFFIX1), io.tilewise.attention.api.Device.CPU);
        assertFalse(other.supported());
        assertTrue(other.reason().contains("3x5x7+77txt(prefix)") && other.reason().contains("2x9x4+1txt(suffix)"), other.reason());
        Support heads = k.supports(new AttentionShape(1, 2, 32, PREFIX77), io.tilewise.attention.api.Device.CPU);
        assertFalse(heads.supported());
        assertTrue(heads.reason().contains("1 heads"), heads.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> k.prepare(new AttentionShape(1, 1, 32, SUFFIX1)));
        assertEquals(other.reason(), e.getMessage());
        Support model = kernel("paro:plan=" + dir.resolve("p.plan") + ",model=other").supports(
                new AttentionShape(1, 1, 32, PREFIX77), io.tilewise.attention.api.Device.CPU);
        assertTrue(!model.supported() && model.reason().contains("'m'") && model.reason().contains("'other'"), model.reason());
        Support missing = kernel("paro:plan=" + dir.resolve("none.plan")).supports(
                new AttentionShape(1, 1, 32, PREFIX77), io.tilewise.attention.api.Device.CPU);
        assertTrue(!missing.supported() && missing.reason().contains("does not exist"), missing.reason());
    }

    @Test
    void specErrorsNameTheParameter() {
        assertEquals("paro:density=0.25,bits=32,block=64,sample=8", kernel("paro").spec());
        assertEquals("paro:density=0.5,bits=8,block=64,sample=8", kernel("paro:density=0.5,bits=8").spec());
        SpecException bits = assertThrows(SpecException.class, () -> AttentionMethods.create("paro:bits=16"));
        assertEquals("paro: bits=16 is not allowed; expected 32, 8 or 4", bits.getMessage());
        SpecException density = assertThrows(SpecException.class, () -> AttentionMethods.create("paro:density=0"));
        assertTrue(density.getMessage().startsWith("paro: density=0 is not allowed"), density.getMessage());
        SpecException both = assertThrows(SpecException.class, () -> AttentionMethods.create("paro:plan=x.plan,density=0.3"));
        assertTrue(both.getMessage().contains("density cannot be combined with plan="), both.getMessage());
        assertThrows(SpecException.class, () -> AttentionMethods.create("paro:model=m"));
        assertThrows(SpecException.class, () -> AttentionMethods.create("paro:window=3"));
    }
}
