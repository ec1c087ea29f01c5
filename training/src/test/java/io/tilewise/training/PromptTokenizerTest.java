package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTokenizerTest {

    private final Tokenizer tok = new Tokenizer(Vocabulary.WORDS, 16);

    private static long id(String w) {
        return Vocabulary.WORDS.indexOf(w);
    }

    @Test
    void encodesBosThenWordsThenPadding() {
        Tokenizer.Encoding t = tok.encode("A Red circle, moving LEFT on a black background.");
        long[] expected = new long[16];
        String[] words = {"<bos>", "a", "red", "circle", "moving", "left", "on", "a", "black", "background"};
        float[] mask = new float[16];
        for (int i = 0; i < words.length; i++) {
            expected[i] = id(words[i]);
            mask[i] = 1f;
        }
        assertArrayEquals(expected, t.ids());
        assertArrayEquals(mask, t.mask());
        assertEquals(1, t.ids()[0]);
        assertEquals(0, t.ids()[10]);
        assertNull(t.warning(tok.vocab()));
    }

    @Test
    void unknownWordsAreDroppedWithAWarningListingTheVocabulary() {
        Tokenizer.Encoding t = tok.encode("a shiny red circle");
        assertArrayEquals(new long[] {1, id("a"), id("red"), id("circle"), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, t.ids());
        assertEquals(List.of("shiny"), t.unknownWords());
        String warning = t.warning(tok.vocab());
        assertTrue(warning.contains("shiny") && warning.contains("triangle") && warning.contains("cyan"), warning);
    }

    @Test
    void specialTokensTypedAsWordsAreNotTokens() {
        Tokenizer.Encoding t = tok.encode("<pad> red");
        // "<" and ">" are separators, and "pad" is not a word of the vocabulary
        assertArrayEquals(new long[] {1, id("red"), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, t.ids());
        assertEquals(List.of("pad"), t.unknownWords());
    }

    @Test
    void unconditionalPromptIsBosAlone() {
        Tokenizer.Encoding t = tok.encode("");
        assertEquals(1, t.ids()[0]);
        assertEquals(1f, t.mask()[0]);
        for (int i = 1; i < 16; i++) {
            assertEquals(0, t.ids()[i]);
            assertEquals(0f, t.mask()[i]);
        }
    }

    @Test
    void longPromptsAreTruncated() {
        Tokenizer.Encoding t = tok.encode("red ".repeat(40));
        assertEquals(16, t.ids().length);
        for (int i = 1; i < 16; i++) {
            assertEquals(id("red"), t.ids()[i]);
            assertEquals(1f, t.mask()[i]);
        }
    }

    @Test
    void everyPromptOfTheDataUsesOnlyKnownWords() {
        SyntheticVideos data = new SyntheticVideos(5);
        for (int i = 0; i < 200; i++) {
            Tokenizer.Encoding t = tok.encode(data.sample(i, i % 2 == 0 ? 1 : 4, 8, 8).prompt());
            assertTrue(t.unknownWords().isEmpty());
        }
    }
}
