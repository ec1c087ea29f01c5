package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Problems;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PisaReferenceTest {

    /**
     * Written out by hand: T = 4, D = 1, b = 2, density 0.5 (top-1), τ = 1, no bias. k = [1, 3, −1, −1] gives
     * k̄ = [2, −1], H_0 = (1−2)·1 + (3−2)·2 = 1, H_1 = 0, H = 1; v = [1, 2, 3, 4] gives Σv = [3, 7]. q = [½, ½, 1, −1]
     * gives q̄ = [½, 0]: block 0 scores [1, −½] → {0}; block 1 scores [0, 0], a tie → the lower index, {0}. So every
     * query computes block 0 exactly and approximates block 1: {@code ŝ = −q}, {@code g = 2e^{−q}}, and
     * {@code o = (e^{q}·1 + e^{3q}·2 + e^{−q}·7 + (g/4)·q·1) / (e^{q} + e^{3q} + g)}.
     */
    @Test
    void smallCaseWorkedByHand() {
        float[] q = {0.5f, 0.5f, 1f, -1f};
        float[] k = {1, 3, -1, -1};
        float[] v = {1, 2, 3, 4};
        float[] out = new float[4];
        float[] lse = new float[4];
        PisaSpec spec = new PisaSpec(0.5, 2, true, false, false);
        PisaReference.head(q, k, v, 4, 1, 1f, spec, out, lse);
        assertArrayEquals(new int[][] {{0}, {0}}, PisaReference.selection(q, k, v, 4, 1, 1f, spec));
        for (int i = 0; i < 4; i++) {
            double x = q[i];
            double g = 2 * Math.exp(-x);
            double num = Math.exp(x) + 2 * Math.exp(3 * x) + 7 * Math.exp(-x) + g / 4 * x;
            double den = Math.exp(x) + Math.exp(3 * x) + g;
            assertEquals(num / den, out[i], 1e-6, "row " + i);
            assertEquals(Math.log(den), lse[i], 1e-6, "lse row " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "pisa:density=1.0,block=64,first_order=1,bias=1",
            "pisa:density=1.0,block=32,first_order=0,bias=0",
            "pisa:density=1.0,block=48,keep_or_drop=1"})
    void densityOneIsDense(String text) {
        AttentionShape shape = AttentionShape.of(1, 2, 300, 32);
        expectDense(PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse(text)), shape, Problems.random(shape, 9));
    }

    /** With every key of a block equal, e^{τq·k̄}·n is exact and H = 0: PISA is dense at any density. */
    @ParameterizedTest(name = "density {0}")
    @CsvSource({"0.15", "0.5", "0.01"})
    void blockConstantKeysMakeTheApproximationExact(double density) {
        int seqLen = 333, block = 16;
        AttentionShape shape = AttentionShape.of(1, 2, seqLen, 32);
        expectDense(new PisaSpec(density, block, true, false, false), shape,
                PisaProblems.blockConstantKeys(1, 2, seqLen, 32, block, 4));
    }

    @Test
    void firstOrderTermChangesTheResultAndBiasChangesTheSelection() {
        int seqLen = 512, block = 64, d = 64;
        float scale = AttentionContext.standalone().scaleFor(d);
        try (Problems p = PisaProblems.clustered(1, 1, seqLen, d, block, 1.0, 2)) {
            float[] q = p.q().toArray(), k = p.k().toArray(), v = p.v().toArray();
            float[] with = new float[q.length], without = new float[q.length], lse = new float[seqLen];
            PisaReference.head(q, k, v, seqLen, d, scale, new PisaSpec(0.25, block, true, true, false), with, lse);
            PisaReference.head(q, k, v, seqLen, d, scale, new PisaSpec(0.25, block, false, true, false), without, lse);
            double diff = TensorMetrics.compare(with, without).relL2();
            assertTrue(diff > 1e-4 && diff < 0.5, () -> "first-order term changed the output by " + diff);
        }
        // Bias: a block whose keys are all equal has H_j = 0 and a score bias of log(1e-5); without the bias it
        // is the best block of every query block.
        int n = 4 * 8;
        float[] q = new float[n * 2], k = new float[n * 2], v = new float[n * 2];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < q.length; i++) {
            q[i] = 1f + 0.1f * (float) r.nextDouble();
            k[i] = (float) r.nextDouble() - 0.5f;
            v[i] = (float) r.nextDouble();
        }
        for (int t = 16; t < 24; t++) {
            k[2 * t] = 3f;
            k[2 * t + 1] = 3f;
        }
        int[][] plain = PisaReference.selection(q, k, v, n, 2, 1f, new PisaSpec(0.25, 8, true, false, false));
        int[][] biased = PisaReference.selection(q, k, v, n, 2, 1f, new PisaSpec(0.25, 8, true, true, false));
        for (int a = 0; a < 4; a++) {
            assertArrayEquals(new int[] {2}, plain[a]);
            assertTrue(biased[a][0] != 2, "biased selection of block " + a);
        }
    }

    private static void expectDense(PisaSpec spec, AttentionShape shape, Problems p) {
        try (p; Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike()) {
            float scale = AttentionContext.standalone().scaleFor(shape.headDim());
            DenseReference.forward(p.q(), p.k(), p.v(), scale, expected, expectedLse);
            PisaReference.forward(p.q(), p.k(), p.v(), scale, spec, actual, actualLse);
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            TensorMetrics lse = TensorMetrics.compare(actualLse, expectedLse);
            assertTrue(m.relL2() <= 1e-6, () -> spec.canonical() + ": output " + m);
            assertTrue(lse.relL2() <= 1e-6, () -> spec.canonical() + ": lse " + lse);
        }
    }
}
