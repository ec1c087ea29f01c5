package io.tilewise.attention.piecewise;

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

class PisaSpecTest {

    private static PisaSpec parse(String text) {
        return PisaSpec.parse(MethodSpec.parse(text));
    }

    @Test
    void defaultsAreTheFluxDemo() {
        PisaSpec s = parse("pisa");
        assertEquals(PisaSpec.defaults(), s);
        assertEquals(new PisaSpec(0.15, 64, true, true, false), s);
        assertEquals("pisa:density=0.15,block=64,first_order=1,bias=1", s.canonical());
        assertEquals(PisaTiling.AUTO, s.tiling());
    }

    @Test
    void tileNamesTheBoxOrNone() {
        assertEquals(PisaTiling.box(2, 4, 4), parse("pisa:block=32,tile=2x4x4").tiling());
        assertEquals(PisaTiling.NONE, parse("pisa:tile=none").tiling());
        assertEquals(PisaTiling.AUTO, parse("pisa:tile=auto").tiling());
        assertEquals("pisa:density=0.15,block=64,first_order=1,bias=1,tile=none", parse("pisa:tile=none").canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "pisa:density=0.25,block=32,first_order=1,bias=1",
            "pisa:density=1.0,block=32,first_order=0,bias=0",
            "pisa:density=0.5,block=64,bias=1,keep_or_drop=1",
            "pisa:block=7,bias=false",
            "pisa:density=0.25,tile=none",
            "pisa:density=0.25,block=32,tile=2x4x4",
            "pisa:keep_or_drop=1,first_order=0"})
    void canonicalFormParsesToTheSameSpec(String text) {
        PisaSpec s = parse(text);
        assertEquals(s, parse(s.canonical()));
        AttentionKernel kernel = AttentionMethods.create(text);
        assertInstanceOf(PisaKernel.class, kernel);
        assertEquals("pisa", kernel.id());
        assertEquals(s.canonical(), kernel.spec());
    }

    @Test
    void keepOrDropHasNoFirstOrderTerm() {
        PisaSpec s = parse("pisa:keep_or_drop=1");
        assertTrue(s.keepOrDrop());
        assertFalse(s.firstOrder());
        assertEquals("pisa:density=0.15,block=64,bias=1,keep_or_drop=1", s.canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "pisa:density=0|pisa: density=0 is not allowed; expected a number in (0.0, 1.0]",
            "pisa:density=1.5|pisa: density=1.5 is not allowed; expected a number in (0.0, 1.0]",
            "pisa:density=NaN|pisa: density=NaN is not allowed; expected a number in (0.0, 1.0]",
            "pisa:density=lots|pisa: density=lots is not allowed; expected a number in (0.0, 1.0]",
            "pisa:block=0|pisa: block=0 is not allowed; expected an integer in 1..4096",
            "pisa:block=8192|pisa: block=8192 is not allowed; expected an integer in 1..4096",
            "pisa:bias=2|pisa: bias=2 is not allowed; expected 0 or 1",
            "pisa:first_order=maybe|pisa: first_order=maybe is not allowed; expected 0 or 1",
            "pisa:keep_or_drop=1,first_order=1|pisa: first_order=1 is not allowed; expected 0 with keep_or_drop=1 (dropped blocks have no first-order term)",
            "pisa:tile=4x4x2|pisa: tile=4x4x2 is not allowed; expected auto, none or a box FxHxW of block=64 tokens (e.g. 4x4x4 for block 64)",
            "pisa:tile=cube|pisa: tile=cube is not allowed; expected auto, none or a box FxHxW of block=64 tokens (e.g. 4x4x4 for block 64)",
            "pisa:block=32,tile=0x8x4|pisa: tile=0x8x4 is not allowed; expected sizes in 1..4096",
            "pisa:topk=3|pisa: unknown parameter 'topk'; known: density, block, first_order, bias, keep_or_drop, tile"})
    void badValuesAreOneLineErrorsNamingTheParameter(String text, String message) {
        SpecException e = assertThrows(SpecException.class, () -> parse(text));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @ParameterizedTest(name = "density {0} of {1} blocks keeps {2}")
    @CsvSource({"0.25,8,2", "1.0,8,8", "0.01,8,1", "0.15,256,38", "0.15,20,3", "0.5,7,3", "0.125,8,1", "0.999,1000,999"})
    void topKIsFloorOfDensityTimesBlocksButAtLeastOne(double density, int blocks, int expected) {
        assertEquals(expected, new PisaSpec(density, 64, true, true, false).topK(blocks));
    }

    @Test
    void blocksCoverTheSequenceWithAShortLastBlock() {
        PisaSpec s = new PisaSpec(0.5, 64, true, true, false);
        assertEquals(16, s.blocks(1000));
        assertEquals(1, s.blocks(1));
        assertEquals(1, s.blocks(64));
        assertEquals(2, s.blocks(65));
    }
}
