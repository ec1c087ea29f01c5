package io.tilewise.attention.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenLayoutTest {

    @Test
    void videoTokensAreFrameMajorThenRowMajorAfterAPrefix() {
        TokenLayout layout = new TokenLayout(new TokenGrid(3, 5, 7), 4, TextPlacement.PREFIX);
        assertEquals(4 + 105, layout.seqLen());
        assertEquals(4, layout.videoStart());
        assertEquals(0, layout.textStart());
        for (int t = layout.videoStart(); t < layout.seqLen(); t++) {
            int[] c = layout.coords(t);
            assertEquals(t, layout.videoIndex(c[0], c[1], c[2]));
            assertFalse(layout.isText(t));
        }
        assertArrayEquals(new int[] {1, 2, 3}, layout.coords(4 + 35 + 2 * 7 + 3));
        assertTrue(layout.isText(3));
    }

    @Test
    void suffixTextFollowsVideo() {
        TokenLayout layout = new TokenLayout(new TokenGrid(2, 2, 2), 3, TextPlacement.SUFFIX);
        assertEquals(0, layout.videoStart());
        assertEquals(8, layout.textStart());
        assertTrue(layout.isText(8) && layout.isText(10));
        assertFalse(layout.isText(7));
    }

    @Test
    void invalidLayoutsAreRefusedWithTheValue() {
        assertEquals("grid height 0 must be >= 1", assertThrows(IllegalArgumentException.class, () -> new TokenGrid(1, 0, 4)).getMessage());
        assertEquals("text tokens 5 need a text placement (prefix or suffix), not none",
                assertThrows(IllegalArgumentException.class, () -> new TokenLayout(new TokenGrid(1, 1, 4), 5, TextPlacement.NONE)).getMessage());
        assertEquals(new TokenGrid(16, 32, 32), TokenGrid.parse("16,32,32"));
        assertEquals(new TokenGrid(16, 32, 32), TokenGrid.parse("16x32x32"));
        assertThrows(IllegalArgumentException.class, () -> TokenGrid.parse("16,32"));
        assertThrows(IllegalArgumentException.class, () -> TextPlacement.parse("middle"));
    }
}
