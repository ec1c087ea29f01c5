package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PisaTilingTest {

    @ParameterizedTest(name = "{0} block {1} -> {2}")
    @CsvSource({
            "16x16x16, 64, 4x4x4",
            "1x16x16, 64, 1x8x8",
            "1x32x32, 64, 1x8x8",
            "16x16x16, 32, 2x4x4",
            "4x8x8, 16, 2x2x4",
            "3x6x10, 15, 1x3x5",
            "8x16x16, 128, 4x4x8"})
    void autoPicksTheMostCubeLikeBoxThatDividesTheGrid(String grid, int block, String box) {
        int[] expected = Arrays.stream(box.split("x")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(expected, PisaTiling.AUTO.boxFor(TokenGrid.parse(grid), block));
    }

    @Test
    void autoKeepsTheLayoutOrderWhenNoBoxFits() {
        assertNull(PisaTiling.AUTO.boxFor(TokenGrid.sequence(4096), 64), "1-D sequence");
        assertNull(PisaTiling.AUTO.boxFor(TokenGrid.parse("3x5x7"), 64), "no divisors");
        assertNull(PisaTiling.AUTO.boxFor(TokenGrid.parse("3x6x10"), 16), "no divisors");
        assertNull(PisaTiling.NONE.boxFor(TokenGrid.parse("16x16x16"), 64));
        assertNull(PisaTiling.NONE.order(TokenLayout.video(TokenGrid.parse("16x16x16")), 64));
    }

    @Test
    void orderIsAPermutationWithBoxesContiguousAndTextLast() {
        TokenLayout layout = new TokenLayout(TokenGrid.parse("2x4x4"), 3, TextPlacement.PREFIX);
        int[] order = PisaTiling.box(2, 2, 2).order(layout, 8);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        // First box: frames 0-1, rows 0-1, columns 0-1 (prefix text shifts video positions by 3).
        assertArrayEquals(new int[] {3, 4, 7, 8, 19, 20, 23, 24}, Arrays.copyOf(order, 8));
        assertArrayEquals(new int[] {0, 1, 2}, Arrays.copyOfRange(order, 32, 35));
    }

    @Test
    void anExplicitBoxMustHoldOneBlock() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PisaSpec(0.2, 64, true, true, false, PisaTiling.box(4, 4, 2)));
        assertEquals("tile 4x4x2 holds 32 tokens; it must hold block=64", e.getMessage());
    }
}
