package io.tilewise.attention.spec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecListTest {

    @Test
    void keysStayWithTheirMethodAndWrapperCommasNeverSplit() {
        assertEquals(List.of("dense", "blocksparse:keep=0.25,seed=1", "cache(tau=3,drift=0.1):radial:decay=0.2,block=32",
                        "ort-mha"),
                SpecList.split("dense, blocksparse:keep=0.25,seed=1,cache(tau=3,drift=0.1):radial:decay=0.2,block=32,ort-mha",
                        "--methods"));
        assertEquals(List.of("cache(tau=3):gna:window=8x8x8", "flashblock:tau=2,drift=0.1"),
                SpecList.split("cache(tau=3):gna:window=8x8x8,flashblock:tau=2,drift=0.1", "--methods"));
    }

    @Test
    void policyConditionsContinueTheirPolicy() {
        assertEquals(List.of("dense@steps<4;radial:decay=0.2", "dense@layers=0,1;gna:window=8x8x8,stride=4x4x4", "pisa"),
                SpecList.split("dense@steps<4;radial:decay=0.2,dense@layers=0,1;gna:window=8x8x8,stride=4x4x4,pisa", "--attention"));
    }

    @Test
    void malformedListsAreRefusedNamingTheList() {
        for (String bad : List.of("seed=1,dense", "dense,,ort-mha", " ", "cache(tau=3:radial", "dense)(,radial")) {
            SpecException e = assertThrows(SpecException.class, () -> SpecList.split(bad, "--methods"), bad);
            assertTrue(e.getMessage().startsWith("--methods"), e.getMessage());
        }
    }
}
