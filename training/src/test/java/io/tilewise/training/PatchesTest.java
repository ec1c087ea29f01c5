package io.tilewise.training;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PatchesTest {

    @Test
    void patchOrderIsChannelTimeRowColumnAndTokensAreFrameMajor() {
        int c = 3, f = 2, h = 8, w = 12;
        int[] patch = {1, 4, 4};
        float[] video = new float[c * f * h * w];
        for (int i = 0; i < video.length; i++) {
            video[i] = i;
        }
        int gh = h / 4, gw = w / 4, n = f * gh * gw, p = 48;
        float[] tokens = new float[n * p];
        Patches.patchify(video, c, f, h, w, patch, tokens, 0);
        // token (frame 1, row 1, column 2), element (channel 2, dy 3, dx 1)
        int token = (1 * gh + 1) * gw + 2;
        int element = 2 * 16 + 3 * 4 + 1;
        int y = 4 + 3, x = 8 + 1;
        assertEquals(video[2 * f * h * w + (1 * h + y) * w + x], tokens[token * p + element]);
        assertArrayEquals(video, Patches.unpatchify(tokens, 0, c, f, h, w, patch));
    }

    @Test
    void temporalPatchesRoundTrip() {
        float[] video = new float[3 * 4 * 8 * 8];
        Random r = new Random(1);
        for (int i = 0; i < video.length; i++) {
            video[i] = r.nextFloat();
        }
        int[] patch = {2, 2, 4};
        float[] tokens = new float[video.length + 5];
        Patches.patchify(video, 3, 4, 8, 8, patch, tokens, 5);
        assertArrayEquals(video, Patches.unpatchify(tokens, 5, 3, 4, 8, 8, patch));
    }
}
