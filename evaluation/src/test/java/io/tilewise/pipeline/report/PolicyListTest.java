package io.tilewise.pipeline.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Comma lists of policies whose specs and conditions contain commas too. */
class PolicyListTest {

    @Test
    void keyValuesAndConditionsContinueThePreviousPolicy() {
        assertEquals(List.of("dense", "radial:decay=0.2,block=64", "gna:window=8x8x8,stride=4x4x4", "pisa:density=0.15", "paro"),
                PolicyList.split("dense,radial:decay=0.2,block=64,gna:window=8x8x8,stride=4x4x4,pisa:density=0.15,paro"));
        assertEquals(List.of("dense@steps<4,layers=0;radial:decay=0.2", "pisa"),
                PolicyList.split("dense@steps<4,layers=0;radial:decay=0.2,pisa"));
        assertEquals(List.of("paro:plan=/tmp/a.paro,bits=8"), PolicyList.split("paro:plan=/tmp/a.paro,bits=8"));
    }

    @Test
    void repeatedOptionsAddUpAndDuplicatesAreRefused() {
        assertEquals(List.of("radial", "dense@step<2;gna:window=4x8x8,stride=2x4x4"),
                PolicyList.splitAll(List.of("radial", "dense@step<2;gna:window=4x8x8,stride=2x4x4")));
        assertThrows(IllegalArgumentException.class, () -> PolicyList.splitAll(List.of("radial", "pisa,radial")));
        assertThrows(IllegalArgumentException.class, () -> PolicyList.split("radial,,pisa"));
    }
}
