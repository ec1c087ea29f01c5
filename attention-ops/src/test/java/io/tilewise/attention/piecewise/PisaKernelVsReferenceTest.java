package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.KernelVsReference;
import io.tilewise.attention.testkit.Problems;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PisaKernelVsReferenceTest {

    private static final float SCALE_64 = AttentionContext.standalone().scaleFor(64);

    /** Kernel output and LSE against the fp64 PISA reference; returns the output metrics. */
    static TensorMetrics check(PisaSpec spec, AttentionShape shape, Problems p) {
        try (Tensor expected = p.q().zerosLike();
             Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike();
             Tensor actualLse = p.q().lseLike();
             AttentionSession session = new PisaKernel(spec).prepare(shape)) {
            float scale = AttentionContext.standalone().scaleFor(shape.headDim());
            PisaReference.forward(p.q(), p.k(), p.v(), shape.layout(), scale, spec, expected, expectedLse);
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), actual, actualLse);
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            TensorMetrics lse = TensorMetrics.compare(actualLse, expectedLse);
            String where = spec.canonical() + " on " + shape;
            assertTrue(m.relL2() <= KernelVsReference.REL_L2, () -> where + ": output " + m);
            assertTrue(lse.relL2() <= KernelVsReference.REL_L2, () -> where + ": lse " + lse);
            return m;
        }
    }

    @ParameterizedTest(name = "batch {0} heads {1} seqLen {2} headDim {3} {4}")
    @CsvSource(delimiter = '|', value = {
            "2|3|1000|64|pisa:density=0.25,block=64,first_order=1,bias=1",
            "2|3|1000|64|pisa:density=0.15,block=64,first_order=0,bias=1",
            "1|3|1000|64|pisa:density=0.15,block=64,first_order=1,bias=0",
            "1|1|1000|64|pisa:density=0.5,block=64,first_order=0,bias=0",
            "2|1|257|32|pisa:density=0.15,block=32,first_order=1,bias=1",
            "1|3|257|32|pisa:density=0.5,block=32,first_order=0,bias=0",
            "1|2|300|72|pisa:density=0.25,block=40,first_order=1,bias=1",
            "1|1|130|16|pisa:density=0.1,block=7,first_order=1,bias=1",
            "1|1|5|32|pisa:density=0.5,block=64,first_order=1,bias=1",
            "2|3|1000|64|pisa:density=0.25,block=64,bias=1,keep_or_drop=1",
            "1|1|257|32|pisa:density=0.15,block=32,bias=0,keep_or_drop=1",
            "1|2|517|128|pisa:density=0.15,block=64,first_order=1,bias=1",
            "2|1|301|128|pisa:density=0.25,block=40,first_order=1,bias=1",
            "1|1|203|136|pisa:density=0.3,block=29,first_order=1,bias=0"})
    void matchesReferenceOnOddShapes(int batch, int heads, int seqLen, int headDim, String spec) {
        AttentionShape shape = AttentionShape.of(batch, heads, seqLen, headDim);
        PisaSpec s = PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse(spec));
        try (Problems random = Problems.random(shape, 7);
             Problems clustered = PisaProblems.clustered(batch, heads, seqLen, headDim, s.block(), 0.5, 8)) {
            check(s, shape, random);
            check(s, shape, clustered);
        }
    }

    /** On video grids the blocks are boxes (tile=auto, an explicit box, or with text tokens after the video). */
    @ParameterizedTest(name = "{0} {1} text {2}")
    @CsvSource(delimiter = '|', value = {
            "4x8x8|pisa:density=0.25,block=16|0",
            "4x8x8|pisa:density=0.25,block=16,tile=1x4x4|0",
            "3x6x10|pisa:density=0.3,block=15,first_order=0|0",
            "1x12x12|pisa:density=0.2,block=16|0",
            "4x8x8|pisa:density=0.25,block=16|5",
            "4x8x8|pisa:density=0.25,block=16,bias=1,keep_or_drop=1|0"})
    void matchesReferenceOnGrids(String grid, String spec, int text) {
        TokenGrid g = TokenGrid.parse(grid);
        TokenLayout layout = text == 0 ? TokenLayout.video(g) : new TokenLayout(g, text, TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(2, 2, 32, layout);
        PisaSpec s = PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse(spec));
        try (Problems random = Problems.random(shape, 9);
             Problems clustered = PisaProblems.clustered(2, 2, layout.seqLen(), 32, s.block(), 0.5, 4)) {
            check(s, shape, random);
            check(s, shape, clustered);
        }
    }

    /** Real-model head width on an odd grid with text: boxes, box gathers and the first-order term at headDim 128. */
    @Test
    void matchesReferenceOnAnOddGridAtHeadDim128() {
        TokenLayout layout = new TokenLayout(TokenGrid.parse("3x7x11"), 5, TextPlacement.PREFIX);
        AttentionShape shape = new AttentionShape(1, 2, 128, layout);
        PisaSpec s = PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse("pisa:density=0.2,block=16"));
        try (Problems random = Problems.random(shape, 21);
             Problems clustered = PisaProblems.clustered(1, 2, layout.seqLen(), 128, s.block(), 0.5, 6)) {
            check(s, shape, random);
            check(s, shape, clustered);
        }
    }

    /** The box order changes which tokens share a block, so the result differs from the layout-order blocks. */
    @Test
    void boxesAreNotTheLayoutOrder() {
        AttentionShape shape = new AttentionShape(1, 2, 32, TokenLayout.video(TokenGrid.parse("4x8x8")));
        PisaSpec boxes = PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse("pisa:density=0.25,block=16"));
        PisaSpec rows = PisaSpec.parse(io.tilewise.attention.spec.MethodSpec.parse("pisa:density=0.25,block=16,tile=none"));
        assertArrayEquals(new int[] {2, 2, 4}, boxes.tiling().boxFor(shape.layout().grid(), 16));
        try (Problems p = Problems.random(shape, 3); Tensor a = p.q().zerosLike(); Tensor b = p.q().zerosLike();
             AttentionSession sa = new PisaKernel(boxes).prepare(shape); AttentionSession sb = new PisaKernel(rows).prepare(shape)) {
            sa.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), a);
            sb.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), b);
            assertTrue(TensorMetrics.compare(a, b).relL2() > 1e-3, "box and row blocks gave the same output");
        }
    }

    /** Density 1 with box tiling is still dense attention. */
    @Test
    void densityOneWithBoxesEqualsDense() {
        AttentionShape shape = new AttentionShape(2, 3, 64, new TokenLayout(TokenGrid.parse("4x8x8"), 6, TextPlacement.SUFFIX));
        KernelVsReference.check(new PisaKernel(new PisaSpec(1.0, 16, true, true, false)), shape, null, 5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"1000, 64", "257, 32", "64, 64", "1, 16"})
    void densityOneEqualsDense(int seqLen, int block) {
        AttentionShape shape = AttentionShape.of(2, 3, seqLen, 64);
        PisaKernel kernel = new PisaKernel(new PisaSpec(1.0, block, true, true, false));
        KernelVsReference.check(kernel, shape, null, 21);
        try (AttentionSession s = kernel.prepare(shape); Problems p = Problems.random(shape, 1);
             Tensor out = p.q().zerosLike()) {
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            assertEquals(1.0, s.executedDensity(), 1e-12);
        }
    }

    /** Keep-or-drop is dense attention under the token mask of the selected blocks. */
    @Test
    void keepOrDropIsDenseMaskedBySelection() {
        int seqLen = 1000, block = 64, headDim = 64;
        AttentionShape shape = AttentionShape.of(1, 2, seqLen, headDim);
        PisaSpec spec = new PisaSpec(0.25, block, false, true, true);
        try (Problems p = PisaProblems.clustered(1, 2, seqLen, headDim, block, 0.5, 3);
             Tensor expected = p.q().zerosLike();
             Tensor actual = p.q().zerosLike();
             AttentionSession session = new PisaKernel(spec).prepare(shape)) {
            boolean[][][] keep = new boolean[2][][];
            for (int h = 0; h < 2; h++) {
                int[][] sel = PisaReference.selection(head(p.q(), h), head(p.k(), h), head(p.v(), h), seqLen, headDim,
                        SCALE_64, spec);
                keep[h] = new boolean[sel.length][sel.length];
                for (int a = 0; a < sel.length; a++) for (int j : sel[a]) keep[h][a][j] = true;
            }
            TokenMask mask = new TokenMask() {
                @Override
                public boolean allowed(int q, int k) {
                    return allowed(0, q, k);
                }

                @Override
                public boolean allowed(int h, int q, int k) {
                    return keep[h][q / block][k / block];
                }
            };
            DenseReference.forward(p.q(), p.k(), p.v(), SCALE_64, mask, expected, null);
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), actual);
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            assertTrue(m.relL2() <= KernelVsReference.REL_L2, m::toString);
        }
    }

    /** The kernel's plan selects exactly the reference's blocks and approximates all others. */
    @Test
    void planSelectsTheReferenceBlocks() {
        int seqLen = 1000, block = 64, headDim = 64, heads = 3;
        PisaSpec spec = new PisaSpec(0.15, block, true, true, false);
        try (Problems p = PisaProblems.clustered(2, heads, seqLen, headDim, block, 1.0, 5)) {
            for (int b = 0; b < 2; b++) {
                BlockSparsePlan plan = new PisaPlanner(spec).plan(p.q(), p.k(), p.v(), b, SCALE_64).plan();
                assertEquals(heads, plan.planHeads());
                for (int h = 0; h < heads; h++) {
                    int[][] sel = PisaReference.selection(head(p.q(), b, h), head(p.k(), b, h), head(p.v(), b, h),
                            seqLen, headDim, SCALE_64, spec);
                    for (int a = 0; a < sel.length; a++) {
                        int row = plan.row(h, a);
                        int[] exact = new int[plan.exactEnd(row) - plan.exactStart(row)];
                        for (int e = 0; e < exact.length; e++) {
                            exact[e] = plan.exactTile(plan.exactStart(row) + e);
                            assertEquals(-1, plan.maskIndex(plan.exactStart(row) + e));
                        }
                        assertArrayEquals(sel[a], exact, "batch " + b + " head " + h + " query block " + a);
                        assertEquals(sel.length - sel[a].length, plan.approxEnd(row) - plan.approxStart(row));
                    }
                }
            }
        }
    }

    /** executedDensity reports the exact fraction after tiling (short last block included). */
    @Test
    void executedDensityIsTheExactFraction() {
        int seqLen = 1000, block = 64;
        AttentionShape shape = AttentionShape.of(1, 2, seqLen, 64);
        PisaSpec spec = new PisaSpec(0.25, block, true, true, false);
        try (Problems p = Problems.random(shape, 4);
             Tensor out = p.q().zerosLike();
             AttentionSession s = new PisaKernel(spec).prepare(shape)) {
            assertEquals(4 / 16.0, s.executedDensity(), 1e-12);
            s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            BlockSparsePlan plan = new PisaPlanner(spec).plan(p.q(), p.k(), p.v(), 0, SCALE_64).plan();
            assertEquals(plan.executedDensity(), s.executedDensity(), 1e-12);
            // 4 of 16 key blocks per query block, the last block 40 tokens long: between (3·64+40)/1000 and 4·64/1000.
            assertTrue(s.executedDensity() >= 0.232 && s.executedDensity() <= 0.256, () -> "" + s.executedDensity());
        }
    }

    private static float[] head(Tensor t, int h) {
        return head(t, 0, h);
    }

    private static float[] head(Tensor t, int b, int h) {
        float[] rows = new float[t.seqLen() * t.headDim()];
        t.copyHeadTo(b, h, rows, 0);
        return rows;
    }
}
