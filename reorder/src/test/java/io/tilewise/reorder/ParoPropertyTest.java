package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParoPropertyTest {

    private static final TokenLayout LAYOUT = new TokenLayout(new TokenGrid(3, 5, 7), 77, TextPlacement.SUFFIX);

    @Test
    void denseAttentionIsEquivariantUnderPerHeadPermutations() {
        AttentionShape shape = new AttentionShape(2, 6, 40, LAYOUT);
        TokenPermutation[] perHead = new TokenPermutation[6];
        for (int h = 0; h < 6; h++) perHead[h] = TokenPermutation.of(LAYOUT, AxisOrder.ofId(5 - h));
        float scale = AttentionContext.standalone().scaleFor(40);
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 3);
             ParoTesting.Problem permuted = new ParoTesting.Problem(p.q().zerosLike(), p.k().zerosLike(), p.v().zerosLike());
             Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike();
             Tensor outOfPermuted = p.q().zerosLike(); Tensor lseOfPermuted = p.q().lseLike();
             Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike()) {
            Permute.apply(perHead, p.q(), permuted.q());
            Permute.apply(perHead, p.k(), permuted.k());
            Permute.apply(perHead, p.v(), permuted.v());
            DenseReference.forward(p.q(), p.k(), p.v(), scale, out, lse);
            DenseReference.forward(permuted.q(), permuted.k(), permuted.v(), scale, outOfPermuted, lseOfPermuted);
            Permute.apply(perHead, out, expected);
            Permute.apply(perHead, lse, expectedLse);
            // fp64 sums in another order, rounded to fp32: equal up to the last bits
            assertTrue(TensorMetrics.compare(outOfPermuted, expected).maxAbs() < 1e-6);
            assertTrue(TensorMetrics.compare(lseOfPermuted, expectedLse).maxAbs() < 1e-5);
        }
    }

    @Test
    void sameInputsTwiceGiveIdenticalBitsAtEveryPrecision() {
        AttentionShape shape = new AttentionShape(1, 3, 64, LAYOUT);
        for (String spec : new String[] {"paro:density=0.3,block=16", "paro:density=0.3,block=16,bits=8", "paro:density=0.3,block=16,bits=4"}) {
            try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 4);
                 Tensor a = p.q().zerosLike(); Tensor b = p.q().zerosLike();
                 AttentionSession s = AttentionMethods.create(spec).prepare(shape)) {
                s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
                s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
                assertArrayEquals(a.toArray(), b.toArray(), spec);
            }
        }
    }

    @Test
    void inputsAreNotModified() {
        AttentionShape shape = new AttentionShape(1, 2, 32, LAYOUT);
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 5); Tensor out = p.q().zerosLike();
             AttentionSession s = AttentionMethods.create("paro:density=0.3,block=16,bits=4").prepare(shape)) {
            float[] q = p.q().toArray(), k = p.k().toArray(), v = p.v().toArray();
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            assertArrayEquals(q, p.q().toArray());
            assertArrayEquals(k, p.k().toArray());
            assertArrayEquals(v, p.v().toArray());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        AttentionShape shape = new AttentionShape(1, 1, 16, LAYOUT);
        AttentionSession s = AttentionMethods.create("paro:block=16").prepare(shape);
        s.close();
        s.close();
        try (ParoTesting.Problem p = ParoTesting.Problem.random(shape, 1); Tensor out = p.q().zerosLike()) {
            assertThrows(IllegalStateException.class, () -> s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out));
        }
    }

    @Test
    void blockQuantizationStaysWithinHalfAStepAndUsesAtMostItsLevels() {
        SplittableRandom random = new SplittableRandom(9);
        int rows = 100, width = 24, block = 64;
        float[] data = new float[rows * width];
        for (int i = 0; i < data.length; i++) data[i] = (float) (SyntheticQk.gaussian(random) * (i < 64 * width ? 1 : 20));
        for (int bits : new int[] {8, 4}) {
            int qmax = BlockQuantizer.levels(bits);
            float[] q = data.clone();
            BlockQuantizer.roundTrip(q, rows, width, block, bits);
            for (int r0 = 0; r0 < rows; r0 += block) {
                int from = r0 * width, to = Math.min(rows, r0 + block) * width;
                float absMax = 0;
                for (int i = from; i < to; i++) absMax = Math.max(absMax, Math.abs(data[i]));
                float step = absMax / qmax;
                Set<Float> levels = new HashSet<>();
                for (int i = from; i < to; i++) {
                    assertTrue(Math.abs(q[i] - data[i]) <= step / 2 * 1.0001f, bits + " bits, element " + i);
                    levels.add(q[i]);
                }
                assertTrue(levels.size() <= 2 * qmax + 1, bits + " bits: " + levels.size() + " levels");
                assertTrue(levels.size() > qmax / 2, "levels are used: " + levels.size());
            }
        }
        float[] zeros = new float[64];
        BlockQuantizer.roundTrip(zeros, 4, 16, 64, 8);
        assertArrayEquals(new float[64], zeros);
        assertThrows(IllegalArgumentException.class, () -> BlockQuantizer.levels(16));
    }

    @Test
    void planRoundTripsThroughItsBlockSparsePlan() {
        ParoPlan plan = ParoTesting.randomPlan("m", LAYOUT, 16, 1, 1, new AxisOrder[] {AxisOrder.WHF, AxisOrder.FWH}, 0.3, 2);
        var executor = plan.executorPlan(0, 0);
        assertEquals(2, executor.planHeads());
        for (int h = 0; h < 2; h++) {
            BlockMask m = plan.mask(0, 0, h);
            for (int qb = 0; qb < m.blocks(); qb++) {
                for (int kb = 0; kb < m.blocks(); kb++) {
                    assertEquals(m.get(qb, kb), executor.allows(h, qb * 16, kb * 16), "head " + h + " (" + qb + ", " + kb + ")");
                }
            }
        }
        double expected = (plan.mask(0, 0, 0).count() + plan.mask(0, 0, 1).count()) / (2.0 * plan.blocks() * plan.blocks());
        assertEquals(expected, executor.tileDensity(), 1e-12);
    }
}
