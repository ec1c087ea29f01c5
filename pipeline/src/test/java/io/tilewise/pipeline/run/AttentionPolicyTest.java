package io.tilewise.pipeline.run;

import io.tilewise.attention.api.Branch;
import io.tilewise.attention.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionPolicyTest {

    @Test
    void denseForEarlyStepsThenRadial() {
        AttentionPolicy p = AttentionPolicy.parse("dense@steps<4;radial:decay=0.2");
        for (int layer = 0; layer < 3; layer++) {
            for (Branch b : Branch.values()) {
                assertEquals("dense", p.kernelFor(layer, 3, b).id());
                assertEquals("radial", p.kernelFor(layer, 4, b).id());
            }
        }
    }

    @Test
    void sameVariableIsOrDifferentVariablesAreAnd() {
        AttentionPolicy p = AttentionPolicy.parse("dense@layers=0,1;dense@steps<2,steps>=18;pisa:density=0.5");
        assertEquals("dense", p.kernelFor(1, 10, Branch.COND).id());
        assertEquals("pisa", p.kernelFor(2, 10, Branch.COND).id());
        assertEquals("dense", p.kernelFor(2, 1, Branch.COND).id());
        assertEquals("dense", p.kernelFor(2, 18, Branch.COND).id());
        assertEquals("pisa", p.kernelFor(2, 2, Branch.COND).id());

        AttentionPolicy and = AttentionPolicy.parse("radial@layers=0..2,steps>=1,branch=uncond;dense");
        assertEquals("radial", and.kernelFor(2, 1, Branch.UNCOND).id());
        assertEquals("dense", and.kernelFor(3, 1, Branch.UNCOND).id());
        assertEquals("dense", and.kernelFor(2, 0, Branch.UNCOND).id());
        assertEquals("dense", and.kernelFor(2, 1, Branch.COND).id());
    }

    @Test
    void implicitDenseAfterConditionalLastRule() {
        AttentionPolicy p = AttentionPolicy.parse("radial@steps>=2");
        assertEquals("radial", p.kernelFor(0, 2, Branch.COND).id());
        assertEquals("dense", p.kernelFor(0, 1, Branch.COND).id());
        assertEquals(2, p.rules().size());
    }

    @Test
    void canonicalTextParsesToTheSamePolicy() {
        AttentionPolicy p = AttentionPolicy.parse(" dense@layers=0,1,3..5 ; radial:decay=0.2@branch=cond,uncond,step<=3 ; pisa ");
        AttentionPolicy again = AttentionPolicy.parse(p.toString());
        assertEquals(p.toString(), again.toString());
        for (int layer = 0; layer < 7; layer++) {
            for (int step = 0; step < 6; step++) {
                for (Branch b : Branch.values()) {
                    assertEquals(p.kernelFor(layer, step, b).spec(), again.kernelFor(layer, step, b).spec());
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|empty",
            "dense;;radial|rule 2 is empty",
            "dense;radial|can never apply",
            "dense@|no condition",
            "dense@stpes<2|stpes<2",
            "dense@steps<x|steps<x",
            "dense@steps<4,7|7",
            "dense@layers=3..1|3..1",
            "dense@branch=both|both",
            "dense@branch<1|branch<1",
            "nosuch@steps<2|nosuch",
            "radial:decay=-1@steps<2;dense|decay",
            "radial:wat=1|wat",
    })
    void errorsAreOneLineNamingTheBadPart(String policy, String expected) {
        SpecException e = assertThrows(SpecException.class, () -> AttentionPolicy.parse(policy));
        assertTrue(e.getMessage().contains(expected.replace("'", "")),
                () -> "'" + e.getMessage() + "' should name " + expected);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
