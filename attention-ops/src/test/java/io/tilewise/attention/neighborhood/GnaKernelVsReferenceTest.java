package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.testkit.KernelVsReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GnaKernelVsReferenceTest {

    /** Tilings that exercise both token orders: layout runs, and query/key boxes of different shapes. */
    static final List<GnaTiling> TILINGS = List.of(
            GnaTiling.layoutOrder(32, 64),
            GnaTiling.layoutOrder(64, 32),
            GnaTiling.boxes(new int[] {1, 4, 8}, new int[] {2, 4, 4}),
            GnaTiling.boxes(new int[] {2, 2, 8}, new int[] {1, 8, 8}),
            GnaTiling.boxes(new int[] {1, 1, 32}, new int[] {4, 4, 4}));

    static IntStream seeds() {
        return IntStream.range(0, Boolean.getBoolean("tilewise.tests.extended") ? 200 : 24);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void chosenTilingMatchesReferenceOnRandomLayouts(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TokenLayout layout = GnaCases.randomLayout(r, 13);
        GnaSpec spec = GnaCases.randomSpec(r, layout.grid());
        AttentionShape shape = new AttentionShape(1, 1 + r.nextInt(2), 32 + 8 * r.nextInt(5), layout);
        KernelVsReference.check(new GnaKernel(spec), shape, GnaReference.mask(spec, layout), seed);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyTilingMatchesReferenceAndTheBruteForceMaskOnEveryPair(int seed) {
        SplittableRandom r = new SplittableRandom(1000 + seed);
        TokenLayout layout = GnaCases.randomLayout(r, 9);
        GnaSpec spec = GnaCases.randomSpec(r, layout.grid());
        GnaTiling tiling = TILINGS.get(seed % TILINGS.size());
        GnaKernel kernel = new GnaKernel(spec, tiling);
        AttentionShape shape = new AttentionShape(1, 2, 40, layout);
        TokenMask mask = GnaReference.mask(spec, layout);
        assertPlanEqualsMask(kernel.tiledPlan(shape), mask, spec + " " + tiling + " on " + layout);
        KernelVsReference.check(kernel, shape, mask, seed);
    }

    /** Real-model head width: the chosen tiling and a box tiling (q, k, v read through the box orders) at headDim 128. */
    @Test
    void matchesReferenceAtHeadDim128OnAnOddGridWithText() {
        TokenLayout layout = new TokenLayout(new TokenGrid(3, 9, 13), 7, TextPlacement.SUFFIX);
        GnaSpec spec = GnaSpec.parse("gna:window=3x5x7,stride=1x2x1");
        AttentionShape shape = new AttentionShape(1, 2, 128, layout);
        TokenMask mask = GnaReference.mask(spec, layout);
        KernelVsReference.check(new GnaKernel(spec), shape, mask, 31);
        KernelVsReference.check(new GnaKernel(spec, TILINGS.get(2)), shape, mask, 32);
    }

    static Stream<Arguments> namedLayouts() {
        return Stream.of(
                Arguments.of(new TokenGrid(3, 5, 7), 0, TextPlacement.NONE, "gna:window=3x3x5,stride=1x2x3"),
                Arguments.of(new TokenGrid(3, 5, 7), 77, TextPlacement.PREFIX, "gna:window=2x5x3,dilation=1x1x2,causal=1x0x0"),
                Arguments.of(new TokenGrid(5, 9, 13), 1, TextPlacement.SUFFIX, "gna:window=3x5x5,stride=3x1x5"),
                Arguments.of(new TokenGrid(5, 9, 13), 77, TextPlacement.SUFFIX, "gna:window=5x3x4,stride=1x3x2,dilation=1x3x3"),
                Arguments.of(new TokenGrid(1, 1, 301), 77, TextPlacement.PREFIX, "gna:window=1x1x33,stride=1x1x8,causal=1"),
                Arguments.of(new TokenGrid(1, 17, 19), 0, TextPlacement.NONE, "gna:window=1x7x9,stride=1x4x4"));
    }

    @ParameterizedTest(name = "{3} on {0} + {1} text ({2})")
    @MethodSource("namedLayouts")
    void oddGridsWithTextMatchReferenceUnderEveryTiling(TokenGrid grid, int text, TextPlacement placement, String specText) {
        TokenLayout layout = new TokenLayout(grid, text, placement);
        GnaSpec spec = GnaSpec.parse(specText);
        AttentionShape shape = new AttentionShape(1, 2, 64, layout);
        TokenMask mask = GnaReference.mask(spec, layout);
        KernelVsReference.check(new GnaKernel(spec), shape, mask, 7);
        for (GnaTiling tiling : TILINGS) {
            GnaKernel kernel = new GnaKernel(spec, tiling);
            assertPlanEqualsMask(kernel.tiledPlan(shape), mask, specText + " " + tiling + " on " + layout);
        }
        KernelVsReference.check(new GnaKernel(spec, TILINGS.get(2)), shape, mask, 8);
    }

    /** plan.allows, mapped through the plan's token orders, equals the brute-force mask on every pair. */
    static void assertPlanEqualsMask(GnaTiledPlan tiled, TokenMask mask, String what) {
        int n = tiled.plan().seqLen();
        int[] queryInverse = GnaTiledPlan.inverse(tiled.queryOrder());
        int[] keyInverse = GnaTiledPlan.inverse(tiled.keyOrder());
        long allowed = 0;
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                boolean expected = mask.allowed(q, k);
                if (expected) allowed++;
                if (expected != tiled.allowsLayoutPair(queryInverse, keyInverse, q, k)) {
                    assertEquals(expected, !expected, what + ": plan disagrees with the mask at query " + q + ", key " + k);
                }
            }
        }
        assertEquals(allowed / ((double) n * n), tiled.plan().tokenDensity(), 1e-12, what + ": token density");
    }
}
