package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.testkit.KernelVsReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel against the dense oracle under {@link RadialReference#mask}, on odd token counts with and without text. */
class RadialKernelVsReferenceTest {

    static Stream<Arguments> oddShapes() {
        List<Arguments> cases = new ArrayList<>();
        int[][] grids = {{5, 7, 9}, {3, 5, 7}};
        int[] blocks = {16, 64, 128};
        int seed = 0;
        for (int[] g : grids) {
            for (int block : blocks) {
                for (int text : new int[] {0, 1, 77}) {
                    for (TextPlacement placement : text == 0 ? new TextPlacement[] {TextPlacement.NONE}
                            : new TextPlacement[] {TextPlacement.PREFIX, TextPlacement.SUFFIX}) {
                        boolean sink = seed % 2 == 1;
                        double decay = seed % 3 == 0 ? 0.2 : 1.0;
                        cases.add(Arguments.of(new TokenLayout(new TokenGrid(g[0], g[1], g[2]), text, placement),
                                new RadialSpec(decay, block, sink), seed++));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("oddShapes")
    void matchesMaskedReferenceOnOddShapes(TokenLayout layout, RadialSpec spec, int seed) {
        AttentionShape shape = new AttentionShape(1, 2, 32, layout);
        KernelVsReference.check(new RadialKernel(spec), shape, RadialReference.mask(layout, spec), seed);
    }

    @Test
    void matchesOnFramesLargerThanABlockWithSinkTextAndTwoBatches() {
        // 9 frames of 256 tokens after 13 text tokens, B = 64: bands, floors and blocks straddling frames and text
        // all occur. Width floor B keeps block offsets ≤ 1 of every band: density ≈ 0.83
        TokenLayout layout = new TokenLayout(new TokenGrid(9, 16, 16), 13, TextPlacement.PREFIX);
        RadialSpec spec = new RadialSpec(0.2, 64, true);
        AttentionShape shape = new AttentionShape(2, 1, 32, layout);
        BlockSparsePlan plan = new RadialKernel(spec).plan(shape);
        assertTrue(plan.executedDensity() < 0.9, plan.toString());
        KernelVsReference.check(new RadialKernel(spec), shape, RadialReference.mask(layout, spec), 5);
    }

    @Test
    void matchesAtHeadDim128OnAnOddGridWithText() {
        TokenLayout layout = new TokenLayout(new TokenGrid(5, 7, 9), 3, TextPlacement.PREFIX);
        RadialSpec spec = new RadialSpec(0.2, 64, true);
        KernelVsReference.check(new RadialKernel(spec), new AttentionShape(1, 2, 128, layout),
                RadialReference.mask(layout, spec), 17);
    }

    @Test
    void planIsSharedByHeadsAndTiledAtTheBlockSize() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(5, 7, 9));
        BlockSparsePlan plan = new RadialKernel(new RadialSpec(1.0, 64, false)).plan(new AttentionShape(1, 4, 32, layout));
        assertEquals(1, plan.planHeads());
        assertEquals(64, plan.qTile());
        assertEquals(64, plan.kTile());
        assertEquals(0, plan.maskedEntries(), "without text every tile runs whole or not at all");
    }
}
