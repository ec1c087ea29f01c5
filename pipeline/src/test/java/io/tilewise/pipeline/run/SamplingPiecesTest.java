package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizer, patchify and the sampler schedule, each against the contract's hand-worked rules. */
class SamplingPiecesTest {

    private final Tokenizer tokenizer = new Tokenizer(TinyModels.VOCAB, 6);

    @Test
    void tokenizerLowerCasesSplitsOnPunctuationAndPads() {
        Tokenizer.Encoding e = tokenizer.encode("A RED, circle!");
        int a = TinyModels.VOCAB.indexOf("a");
        int red = TinyModels.VOCAB.indexOf("red");
        int circle = TinyModels.VOCAB.indexOf("circle");
        assertArrayEquals(new long[] {1, a, red, circle, 0, 0}, e.ids());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0}, e.mask());
        assertNull(e.warning(TinyModels.VOCAB));
    }

    @Test
    void tokenizerDropsUnknownWordsAndTruncates() {
        Tokenizer.Encoding e = tokenizer.encode("a zebra red blue green cyan white <pad>");
        assertEquals(List.of("zebra", "pad"), e.unknownWords());
        assertEquals(List.of("white"), e.truncatedWords());
        String warning = e.warning(TinyModels.VOCAB);
        assertTrue(warning.contains("zebra") && warning.contains("triangle") && warning.contains("white"), warning);
        assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0}, tokenizer.unconditional().ids());
    }

    @Test
    void patchLayoutFollowsTheContract() {
        Patchifier p = new Patchifier(3, 1, 4, 4, 2, 8, 12);
        assertEquals(48, p.patchSize());
        float[] video = new float[3 * 2 * 8 * 12];
        for (int i = 0; i < video.length; i++) video[i] = i;
        float[] patches = p.patchify(video);
        // token (f=1, y=1, x=2), channel 2, dy 3, dx 1 → pixel (c=2, f=1, y=4+3, x=8+1)
        int token = (1 * 2 + 1) * 3 + 2;
        float expected = ((2 * 2 + 1) * 8 + 7) * 12 + 9;
        assertEquals(expected, patches[token * 48 + 2 * 16 + 3 * 4 + 1]);
        assertArrayEquals(video, p.unpatchify(patches));
        float[] random = Arrays2.normal(3, video.length, 1);
        assertArrayEquals(random, p.unpatchify(p.patchify(random)), "bit-exact round trip");
        assertThrows(IllegalArgumentException.class, () -> new Patchifier(3, 1, 4, 4, 1, 10, 8));
    }

    @Test
    void shiftedTimesRunFromOneToZero() {
        double[] t = FlowMatchEuler.times(4, 3.0);
        assertEquals(5, t.length);
        assertEquals(1.0, t[0], 0);
        assertEquals(0.0, t[4], 0);
        assertEquals(3 * 0.5 / (1 + 2 * 0.5), t[2], 1e-15);
        for (int i = 1; i < t.length; i++) assertTrue(t[i] < t[i - 1]);
        assertArrayEquals(new double[] {1, 0.75, 0.5, 0.25, 0}, FlowMatchEuler.times(4, 1.0), 1e-15);
    }

    @Test
    void guidanceCombinesBranches() {
        float[] out = new float[2];
        FlowMatchEuler.guide(new float[] {9, 1, 2}, 1, new float[] {0, 0, 0, 1, 1}, 3, 4.0, out);
        assertArrayEquals(new float[] {1, 5}, out);
    }
}
