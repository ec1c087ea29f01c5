package io.tilewise.bench;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayoutsTest {

    @Test
    void sequenceOrGridWithText() {
        TokenLayout seq = Layouts.of(100, null, 10, TextPlacement.PREFIX);
        assertEquals(100, seq.seqLen());
        assertEquals(10, seq.videoStart());
        TokenLayout grid = Layouts.of(null, new TokenGrid(2, 4, 4), 5, TextPlacement.SUFFIX);
        assertEquals(37, grid.seqLen());
        assertEquals(32, grid.textStart());
        assertEquals(64, Layouts.forInput(64, null, 0, null, "--q q.npy").seqLen());
    }

    @Test
    void mismatchesNameBothNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Layouts.forInput(30, new TokenGrid(2, 4, 4), 0, null, "--q q.npy"));
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("30") && e.getMessage().contains("--q q.npy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Layouts.of(null, null, 0, null));
        assertThrows(IllegalArgumentException.class, () -> Layouts.of(10, new TokenGrid(1, 1, 10), 0, null));
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> Layouts.of(10, null, 3, null));
        assertTrue(text.getMessage().contains("--text-placement"), text.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Layouts.of(10, null, 10, TextPlacement.PREFIX));
    }
}
