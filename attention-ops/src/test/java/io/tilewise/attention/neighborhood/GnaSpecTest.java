package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GnaSpecTest {

    @Test
    void defaultsAreStrideOneDilationOneNotCausal() {
        GnaSpec spec = GnaSpec.parse("gna:window=8x16x16");
        assertArrayEquals(new int[] {8, 16, 16}, spec.window());
        assertArrayEquals(new int[] {1, 1, 1}, spec.stride());
        assertArrayEquals(new int[] {1, 1, 1}, spec.dilation());
        assertArrayEquals(new boolean[] {false, false, false}, spec.causal());
        assertEquals("gna:window=8x16x16,stride=1x1x1,dilation=1x1x1,causal=0x0x0", spec.canonical());
    }

    @Test
    void singleNumberAppliesToEveryAxisAndCanonicalRoundTrips() {
        GnaSpec spec = GnaSpec.parse("gna:window=4,stride=2,dilation=2,causal=1");
        assertArrayEquals(new int[] {4, 4, 4}, spec.window());
        assertArrayEquals(new int[] {2, 2, 2}, spec.stride());
        assertArrayEquals(new boolean[] {true, true, true}, spec.causal());
        assertEquals(spec, GnaSpec.parse(spec.canonical()));
        assertEquals(spec.canonical(), AttentionMethods.create(spec.canonical()).spec());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "gna:window=4x4x4,stride=1x5x1 | gna: stride 5 along height is outside 1..window 4 (allowed 1..4)",
            "gna:window=4x4x4,stride=1x1x0 | gna: stride 0 along width is outside 1..window 4 (allowed 1..4)",
            "gna:window=0x4x4 | gna: window 0 along frames is below 1 (allowed >= 1)",
            "gna:window=4,dilation=1x0x1 | gna: dilation 0 along height is below 1 (allowed >= 1)",
            "gna:window=4,causal=0x0x2 | gna: causal 2 along width is not a flag (allowed 0 or 1)",
            "gna:window=4,size=3 | gna: unknown parameter 'size'; known: window, stride, dilation, causal",
            "gna:stride=2 | gna: window is required, e.g. gna:window=8x16x16",
            "gna:window=4x4 | gna: window=4x4 is not allowed; expected 3 sizes joined by 'x' (e.g. 4x4x4)",
            "gna:window=4x4xbig | gna: window=4x4xbig is not allowed; expected integers joined by 'x'",
    })
    void badSpecsAreRefusedInOneLine(String text, String message) {
        SpecException e = assertThrows(SpecException.class, () -> AttentionMethods.create(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource(delimiter = '|', value = {
            "gna:window=1x1x40 | 1x1x32 | gna: window 40 along width exceeds the grid width 32 (allowed 1..32)",
            "gna:window=9x4x4 | 8x32x32 | gna: window 9 along frames exceeds the grid frames 8 (allowed 1..8)",
            "gna:window=1x8x8,dilation=1x5x1 | 1x32x32 | gna: window 8 x dilation 5 = 40 along height exceeds the grid height 32 (allowed window·dilation <= 32, i.e. dilation 1..4)",
    })
    void specsThatDoNotFitTheGridAreRefusedBySupportsAndPrepare(String text, String grid, String message) {
        GnaKernel kernel = (GnaKernel) AttentionMethods.create(text);
        AttentionShape shape = new AttentionShape(1, 1, 16, TokenLayout.video(TokenGrid.parse(grid)));
        Support support = kernel.supports(shape, Device.CPU);
        assertFalse(support.supported());
        assertEquals(message, support.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernel.prepare(shape));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void windowOfOneAndWindowTimesDilationEqualToTheAxisAreAllowed() {
        TokenGrid grid = new TokenGrid(1, 12, 40);
        assertEquals(null, GnaSpec.parse("gna:window=1x4x7,dilation=1x3x5").check(grid));
        assertTrue(new GnaKernel(GnaSpec.parse("gna:window=1x12x40"))
                .supports(new AttentionShape(1, 1, 8, new TokenLayout(grid, 3, TextPlacement.PREFIX)), Device.CPU).supported());
    }

    @Test
    void registryKnowsGna() {
        assertTrue(AttentionMethods.ids().contains("gna"));
        assertTrue(AttentionMethods.all().get("gna").summary().startsWith("gna:window="));
    }
}
