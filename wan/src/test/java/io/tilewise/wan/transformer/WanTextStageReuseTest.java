package io.tilewise.wan.transformer;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.wan.fixtures.WanCheckpointFixtures;
import io.tilewise.wan.fixtures.WanCheckpointFixtures.Options;
import io.tilewise.wan.fixtures.WanCheckpointFixtures.Written;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A workspace keeps the text stage's keys and values from one forward to the next while the text states are equal:
 * a forward after a text change must equal a fresh workspace's forward on the new text, bit for bit, and going back
 * to the first text must give the first output again. Self-attention's output is left at zero here (the stages are
 * under test, not attention), so the text reaches the output only through cross-attention.
 */
class WanTextStageReuseTest {

    @TempDir
    Path dir;

    @Test
    void aChangedTextIsEncodedAgainAndAnEqualOneReused() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(),
                Options.defaults());
        TokenGrid grid = new TokenGrid(2, 3, 4);
        int batch = 2;
        int textTokens = 5;
        try (WanStageRunner runner = WanStageRunner.open(w.folder(), 2)) {
            WanConfig c = runner.config();
            Random r = new Random(11);
            float[] patches = gaussian(r, batch * grid.volume() * c.patchIn());
            float[] sinusoids = gaussian(r, batch * c.freqDim());
            float[] textA = gaussian(r, batch * textTokens * c.textDim());
            float[] textB = gaussian(r, batch * textTokens * c.textDim());
            float[] a;
            float[] bAfterA;
            float[] aAgain;
            float[] aRepeated;
            try (WanStageRunner.Workspace ws = runner.workspace(grid, batch, textTokens)) {
                a = forward(ws, c, patches, sinusoids, textA);
                aRepeated = forward(ws, c, patches, sinusoids, textA.clone());
                bAfterA = forward(ws, c, patches, sinusoids, textB);
                aAgain = forward(ws, c, patches, sinusoids, textA);
            }
            float[] bFresh;
            try (WanStageRunner.Workspace ws = runner.workspace(grid, batch, textTokens)) {
                bFresh = forward(ws, c, patches, sinusoids, textB);
            }
            assertFalse(Arrays.equals(a, bFresh), "the text must reach the output");
            assertArrayEquals(bFresh, bAfterA, "a changed text is encoded again");
            assertArrayEquals(a, aRepeated, "an equal text (another array) is reused");
            assertArrayEquals(a, aAgain, "back to the first text");
        }
    }

    private static float[] forward(WanStageRunner.Workspace ws, WanConfig c, float[] patches, float[] sinusoids,
                                   float[] text) {
        ws.patch(patches);
        ws.condition(sinusoids, text);
        for (int layer = 0; layer < c.layers(); layer++) {
            ws.pre(layer);
            ws.post(layer);
        }
        ws.head();
        return ws.out();
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
