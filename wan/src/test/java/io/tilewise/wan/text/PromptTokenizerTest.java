package io.tilewise.wan.text;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden case's tokenizer.json through DJL's Hugging Face tokenizers, offline. Expected ids are read off the
 * tokenizer.json vocabulary by hand ({@code ▁a}=3, {@code ▁blue}=8, {@code ▁cat}=17, {@code ▁on}=40, {@code ▁the}=5,
 * {@code ▁grass}=53, {@code ▁&}=63, {@code ▁dog}=18, {@code </s>}=1, {@code <pad>}=0).
 */
class PromptTokenizerTest {

    static final Path TOKENIZER = Path.of("src/test/resources/golden/pipeline/model/tokenizer");

    @Test
    void loadsOfflineWithItsNativesOutsideHome() throws Exception {
        try (PromptTokenizer t = PromptTokenizer.load(TOKENIZER, 512)) {
            assertEquals("true", System.getProperty("ai.djl.offline"));
            Path cache = Path.of(System.getProperty("DJL_CACHE_DIR"));
            assertFalse(cache.toAbsolutePath().startsWith(Path.of(System.getProperty("user.home"))), cache.toString());
            try (var files = Files.walk(cache)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("libtokenizers")),
                        "the JNI library was unpacked into " + cache);
            }
            assertEquals(512, t.maxTokens());
        }
    }

    @Test
    void padsToMaxLengthWithThePadIdAfterEos() {
        try (PromptTokenizer t = PromptTokenizer.load(TOKENIZER, 10)) {
            PromptTokenizer.Tokens tokens = t.tokenize(List.of("a blue cat on the grass", ""));
            assertArrayEquals(new long[] {3, 8, 17, 40, 5, 53, 1, 0, 0, 0}, tokens.ids()[0]);
            assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, tokens.ids()[1]);
            assertArrayEquals(new int[] {7, 1}, tokens.lengths());
        }
    }

    @Test
    void truncatesKeepingRoomForEos() {
        try (PromptTokenizer t = PromptTokenizer.load(TOKENIZER, 4)) {
            PromptTokenizer.Tokens tokens = t.tokenize(List.of("a blue cat on the grass"));
            assertArrayEquals(new long[] {3, 8, 17, 1}, tokens.ids()[0]);
            assertEquals(4, tokens.lengths()[0]);
        }
    }

    @Test
    void maxTokensAboveTheConfigsModelMaxLengthIsHonoured() {
        // tokenizer_config.json says model_max_length 512; WanPipeline passes max_length explicitly, which wins
        try (PromptTokenizer t = PromptTokenizer.load(TOKENIZER, 600)) {
            PromptTokenizer.Tokens tokens = t.tokenize(List.of("a cat ".repeat(400)));
            assertEquals(600, tokens.lengths()[0]);
            assertEquals(1, tokens.ids()[0][599]);
            assertEquals(3, tokens.ids()[0][598]);
            assertEquals(17, tokens.ids()[0][597]);
        }
    }

    @Test
    void promptIsCleanedFirst() {
        try (PromptTokenizer t = PromptTokenizer.load(TOKENIZER, 8)) {
            assertArrayEquals(new long[] {3, 17, 63, 3, 18, 1, 0, 0},
                    t.tokenize(List.of("  a cat &amp;amp;\n\n a   dog ")).ids()[0]);
        }
    }
}
