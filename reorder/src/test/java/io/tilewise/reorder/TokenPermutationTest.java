package io.tilewise.reorder;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenPermutationTest {

    /** docs/methods.md §4.1: F=2, H=2, W=3, t = f·6 + h·3 + w; under HWF original tokens 0..11 go to these positions. */
    @Test
    void workedExampleOfAlgorithmsSection41() {
        TokenPermutation p = TokenPermutation.of(TokenLayout.video(new TokenGrid(2, 2, 3)), AxisOrder.HWF);
        assertArrayEquals(new int[] {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}, p.forwardMap(), "forward: token → position");
        // position p holds original token inverse[p]: frame 0 and frame 1 of each (h, w) interleave
        assertArrayEquals(new int[] {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}, p.inverseMap(), "inverse: position → token");
        float[] rows = new float[12];
        for (int t = 0; t < 12; t++) rows[t] = t;
        float[] permuted = new float[12];
        p.permuteRows(rows, permuted, 1);
        assertArrayEquals(new float[] {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}, permuted);
        float[] back = new float[12];
        p.unpermuteRows(permuted, back, 1);
        assertArrayEquals(rows, back);
    }

    @Test
    void workedExampleKeepsATextPrefixInFront() {
        TokenLayout layout = new TokenLayout(new TokenGrid(2, 2, 3), 2, TextPlacement.PREFIX);
        TokenPermutation p = TokenPermutation.of(layout, AxisOrder.HWF);
        assertArrayEquals(new int[] {0, 1, 2, 4, 6, 8, 10, 12, 3, 5, 7, 9, 11, 13}, p.forwardMap());
    }

    @Test
    void identityOrderIsTheIdentityMap() {
        TokenLayout layout = new TokenLayout(new TokenGrid(3, 5, 7), 77, TextPlacement.SUFFIX);
        TokenPermutation p = TokenPermutation.of(layout, AxisOrder.FHW);
        for (int t = 0; t < layout.seqLen(); t++) assertEquals(t, p.forward(t));
    }

    static Stream<Arguments> layouts() {
        List<Arguments> cases = new ArrayList<>();
        for (TokenGrid grid : List.of(new TokenGrid(3, 5, 7), new TokenGrid(2, 9, 4))) {
            cases.add(Arguments.of(TokenLayout.video(grid)));
            for (int text : new int[] {1, 77}) {
                cases.add(Arguments.of(new TokenLayout(grid, text, TextPlacement.PREFIX)));
                cases.add(Arguments.of(new TokenLayout(grid, text, TextPlacement.SUFFIX)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void everyOrderIsABijectionThatWalksItsAxesLikeAnOdometer(TokenLayout layout) {
        TokenGrid grid = layout.grid();
        for (AxisOrder order : AxisOrder.values()) {
            TokenPermutation p = TokenPermutation.of(layout, order);
            assertTrue(p.isBijection(), order + " on " + layout);
            for (int t = 0; t < layout.seqLen(); t++) {
                if (layout.isText(t)) assertEquals(t, p.forward(t), "text token " + t + " moved under " + order);
            }
            // Independent characterisation: reading the video positions in permuted order, the coordinates
            // (outer, middle, inner) count up like an odometer with the innermost axis fastest.
            int start = layout.videoStart();
            int[] expected = {0, 0, 0};
            for (int pos = start; pos < start + grid.volume(); pos++) {
                int[] c = layout.coords(p.inverse(pos));
                int[] slots = {c[order.axis(0)], c[order.axis(1)], c[order.axis(2)]};
                assertArrayEquals(expected, slots, order + " position " + pos + " on " + layout);
                for (int s = 2; s >= 0; s--) {
                    if (++expected[s] < grid.size(order.axis(s))) break;
                    expected[s] = 0;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void applyThenUndoIsBitExactWithADifferentOrderPerHead(TokenLayout layout) {
        int heads = AxisOrder.values().length;
        try (Tensor x = Tensor.randomNormal(5, 3f, 2, heads, layout.seqLen(), 5);
             Tensor permuted = x.zerosLike();
             Tensor back = x.zerosLike()) {
            TokenPermutation[] perHead = new TokenPermutation[heads];
            for (int h = 0; h < heads; h++) perHead[h] = TokenPermutation.of(layout, AxisOrder.ofId((h + 3) % 6));
            Permute.apply(perHead, x, permuted);
            Permute.undo(perHead, permuted, back);
            float[] original = x.toArray();
            float[] restored = back.toArray();
            assertEquals(original.length, restored.length);
            for (int i = 0; i < original.length; i++) {
                assertEquals(Float.floatToRawIntBits(original[i]), Float.floatToRawIntBits(restored[i]), "element " + i);
            }
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < heads; h++) {
                    for (int t = 0; t < layout.seqLen(); t++) {
                        int moved = perHead[h].forward(t);
                        assertEquals(x.get(b, h, t, 4), permuted.get(b, h, moved, 4), "row " + t + " head " + h);
                    }
                }
            }
        }
    }

    @Test
    void nonIdentityOrdersMoveSomeVideoTokens() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(3, 5, 7));
        for (AxisOrder order : AxisOrder.values()) {
            TokenPermutation p = TokenPermutation.of(layout, order);
            boolean moved = false;
            for (int t = 0; t < layout.seqLen(); t++) moved |= p.forward(t) != t;
            assertEquals(!order.isIdentity(), moved, order.toString());
        }
    }

    @Test
    void ordersParseAndKeepStableIds() {
        assertEquals(AxisOrder.HWF, AxisOrder.parse("hwf"));
        assertEquals(AxisOrder.WHF, AxisOrder.ofId(5));
        assertEquals(3, AxisOrder.HWF.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AxisOrder.parse("xyz"));
        assertTrue(e.getMessage().contains("xyz"));
        assertThrows(IllegalArgumentException.class, () -> AxisOrder.ofId(6));
    }

    @Test
    void permuteRefusesMismatchedSizes() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(2, 2, 3));
        TokenPermutation p = TokenPermutation.of(layout, AxisOrder.HWF);
        try (Tensor x = Tensor.allocate(1, 2, 12, 4); Tensor y = x.zerosLike(); Tensor z = Tensor.allocate(1, 2, 13, 4)) {
            assertThrows(IllegalArgumentException.class, () -> Permute.apply(new TokenPermutation[] {p, p, p}, x, y));
            assertThrows(IllegalArgumentException.class, () -> Permute.apply(new TokenPermutation[] {p}, z, z.zerosLike()));
            assertFalse(x.isClosed());
        }
    }
}
