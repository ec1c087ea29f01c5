package io.tilewise.attention.spec;

import io.tilewise.attention.api.AttentionKernel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MethodSpecTest {

    @Test
    void parsesNameAndOrderedParameters() {
        MethodSpec spec = MethodSpec.parse(" gna:window=8x16x16, stride=4x8x8 ");
        assertEquals("gna", spec.name());
        assertEquals(Map.of("window", "8x16x16", "stride", "4x8x8"), spec.params());
        assertEquals("gna:window=8x16x16,stride=4x8x8", spec.toString());
        assertEquals(MethodSpec.parse(spec.toString()), spec);
    }

    @Test
    void wrapperSpecsKeepTheirInnerSpecWhole() {
        MethodSpec spec = MethodSpec.parse("cache(tau=3):gna:window=8x16x16,stride=4x8x8");
        assertEquals("cache", spec.name());
        assertEquals(Map.of("tau", "3", MethodSpec.INNER, "gna:window=8x16x16,stride=4x8x8"), spec.params());
        assertEquals(MethodSpec.parse("gna:window=8x16x16,stride=4x8x8"), spec.inner());
        assertEquals("cache(tau=3):gna:window=8x16x16,stride=4x8x8", spec.toString());
        assertEquals(spec, MethodSpec.parse(spec.toString()));
        assertEquals("cache():radial", MethodSpec.parse("cache():radial").toString());
        assertEquals(MethodSpec.parse("cache(tau=2):radial"), MethodSpec.parse("cache:tau=2,inner=radial"));
        assertEquals(null, MethodSpec.parse("radial:decay=0.2").inner());
        for (String bad : new String[] {"cache(tau=3):", "cache(tau=3,inner=x):radial", "Cache!(tau=1):radial"}) {
            assertThrows(SpecException.class, () -> MethodSpec.parse(bad), bad);
        }
    }

    @Test
    void rejectsMalformedSpecsWithOneLine() {
        for (String bad : new String[] {"", "Dense!", "radial:", "radial:decay", "radial:decay=", "radial:decay=1,decay=2"}) {
            SpecException e = assertThrows(SpecException.class, () -> MethodSpec.parse(bad), bad);
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void readerValidatesRangesAndUnknownKeys() {
        SpecReader r = new SpecReader(MethodSpec.parse("x:keep=1.5,window=8x16,foo=1"), "keep", "window");
        SpecException keep = assertThrows(SpecException.class, () -> r.doubleValue("keep", 0.5, 0, true, 1));
        assertEquals("x: keep=1.5 is not allowed; expected a number in (0.0, 1.0]", keep.getMessage());
        SpecException window = assertThrows(SpecException.class, () -> r.axes("window", null, 3, 1, 1 << 20));
        assertTrue(window.getMessage().startsWith("x: window=8x16 is not allowed; expected 3 sizes"), window.getMessage());
        SpecException unknown = assertThrows(SpecException.class, r::done);
        assertEquals("x: unknown parameter 'foo'; known: keep, window", unknown.getMessage());
    }

    @Test
    void axesAcceptOneValueForEveryAxis() {
        SpecReader r = new SpecReader(MethodSpec.parse("x:stride=4,window=2x3x5"), "stride", "window");
        assertArrayEquals(new int[] {4, 4, 4}, r.axes("stride", null, 3, 1, 100));
        assertArrayEquals(new int[] {2, 3, 5}, r.axes("window", null, 3, 1, 100));
        assertArrayEquals(new int[] {1, 1, 1}, r.axes("dilation", new int[] {1, 1, 1}, 3, 1, 100));
    }

    @Test
    void registryBuildsKnownMethodsAndListsThemForUnknownOnes() {
        AttentionKernel k = AttentionMethods.create("blocksparse:keep=0.5,seed=3");
        assertEquals("blocksparse", k.id());
        assertEquals("blocksparse:keep=0.5,seed=3,tile=128", k.spec());
        assertEquals(k.spec(), AttentionMethods.create(k.spec()).spec());
        SpecException e = assertThrows(SpecException.class, () -> AttentionMethods.create("flash"));
        assertTrue(e.getMessage().startsWith("unknown attention method 'flash'; known: "), e.getMessage());
        assertTrue(e.getMessage().contains("dense") && e.getMessage().contains("blocksparse"), e.getMessage());
    }
}
