package io.tilewise.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MethodListTest {

    @Test
    void parametersStayWithTheirMethod() {
        assertEquals(List.of("dense", "blocksparse:keep=0.25,seed=1", "ort-mha:threads=2"),
                MethodList.parse("dense, blocksparse:keep=0.25,seed=1,ort-mha:threads=2"));
        assertEquals(List.of("dense"), MethodList.parse("dense"));
    }

    @Test
    void malformedListsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MethodList.parse("seed=1,dense"));
        assertThrows(IllegalArgumentException.class, () -> MethodList.parse("dense,,ort-mha"));
        assertThrows(IllegalArgumentException.class, () -> MethodList.parse(" "));
    }
}
