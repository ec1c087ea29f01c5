package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RadialSpecTest {

    @Test
    void defaultsFollowTheReleasedCode() {
        RadialSpec spec = RadialSpec.parse(MethodSpec.parse("radial"));
        assertEquals(new RadialSpec(1.0, 128, false), spec);
        assertEquals(RadialSpec.defaults(), spec);
    }

    @Test
    void readsEveryKey() {
        RadialSpec spec = RadialSpec.parse(MethodSpec.parse("radial:decay=0.2,block=64,sink=1"));
        assertEquals(0.2, spec.decay());
        assertEquals(64, spec.block());
        assertTrue(spec.sink());
        assertFalse(RadialSpec.parse(MethodSpec.parse("radial:sink=0")).sink());
    }

    @Test
    void canonicalSpecRoundTripsThroughTheRegistry() {
        AttentionKernel kernel = AttentionMethods.create("radial:decay=0.95,block=16");
        RadialKernel radial = assertInstanceOf(RadialKernel.class, kernel);
        assertEquals("radial", kernel.id());
        assertEquals("radial:decay=0.95,block=16,sink=0", kernel.spec());
        assertEquals(radial.radialSpec(), RadialSpec.parse(MethodSpec.parse(kernel.spec())));
        assertTrue(AttentionMethods.ids().contains("radial"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "radial:decay=0        | radial: decay=0 is not allowed; expected a number in (0.0, 1000000.0]",
            "radial:decay=-0.5     | radial: decay=-0.5 is not allowed; expected a number in (0.0, 1000000.0]",
            "radial:decay=fast     | radial: decay=fast is not allowed; expected a number in (0.0, 1000000.0]",
            "radial:decay=NaN      | radial: decay=NaN is not allowed; expected a number in (0.0, 1000000.0]",
            "radial:decay=2e6      | radial: decay=2e6 is not allowed; expected a number in (0.0, 1000000.0]",
            "radial:block=7        | radial: block=7 is not allowed; expected an integer in 8..1024",
            "radial:block=2048     | radial: block=2048 is not allowed; expected an integer in 8..1024",
            "radial:block=64.5     | radial: block=64.5 is not allowed; expected an integer in 8..1024",
            "radial:sink=2         | radial: sink=2 is not allowed; expected 0 or 1",
            "radial:window=3       | radial: unknown parameter 'window'; known: decay, block, sink",
    })
    void badValuesNameKeyValueAndRange(String text, String message) {
        SpecException e = assertThrows(SpecException.class, () -> AttentionMethods.create(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void directConstructionIsValidatedToo() {
        assertThrows(SpecException.class, () -> new RadialSpec(0.0, 128, false));
        assertThrows(SpecException.class, () -> new RadialSpec(1.0, 4, false));
    }
}
