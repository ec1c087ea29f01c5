package io.tilewise.wan.text;

import io.tilewise.wan.reference.Errors;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden Wan pipeline case (computed in fp64 by an independent implementation of WanPipeline's
 * {@code _get_t5_prompt_embeds}): the prompt's text states to relative L2 ≤ 1e-4, zero rows past the prompt.
 */
class PromptEncoderGoldenTest {

    static final Path CASE = Path.of("src/test/resources/golden/pipeline");
    static final String PROMPT = "a blue cat on the grass";

    @Test
    void goldenPromptMatches() throws Exception {
        NpyArray expected = Npy.read(CASE.resolve("ctx.npy"));
        assertArrayEquals(new int[] {1, 512, 32}, expected.shape());
        try (PromptEncoder encoder = PromptEncoder.open(CASE.resolve("model"), 512, 2)) {
            float[] got = encoder.encode(List.of(PROMPT), null);
            assertEquals(expected.data().length, got.length);
            assertTrue(Errors.relativeL2(got, expected.data()) <= 1e-4, "rel L2 " + Errors.relativeL2(got, expected.data()));
            int real = encoder.tokenizer().tokenize(List.of(PROMPT)).lengths()[0];
            assertEquals(7, real, "six words and </s>");
            for (int i = real * 32; i < got.length; i++) assertEquals(0f, got[i], "row " + i / 32 + " past the prompt");
            for (int i = 0; i < real * 32; i++) assertTrue(got[i] != 0f || expected.data()[i] == 0f);
        }
    }
}
