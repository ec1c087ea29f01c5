package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block-causal variant: chunk-causal attention and a flow time per chunk. */
class CausalTinyDitTest {

    private static final ModelConfig CFG = TinyConfigs.testSized();
    private static final int GH = 2, GW = 3, FRAMES = 5, CHUNK = 2, P = CFG.patchSize();

    private static Map<String, float[]> randomValues(long seed) {
        Map<String, float[]> v = TinyDit.initialValues(CFG, seed);
        Random r = new Random(seed);
        v.replaceAll((k, a) -> {
            float[] b = a.clone();
            for (int i = 0; i < b.length; i++) b[i] += (float) (0.2 * r.nextGaussian());
            return b;
        });
        return v;
    }

    private static float[] forward(NDManager root, TinyDit model, float[] x, float[] t, int chunk, int frames) {
        Tokenizer.Encoding tokens = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens()).encode("a red circle moving left");
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            int n = frames * GH * GW;
            NDArray out = model.forward(m.create(x, new Shape(1, n, P)), t, chunk, tokens.ids(), tokens.mask(), frames, GH, GW);
            return out.toFloatArray();
        }
    }

    private static float[] random(int count, long seed) {
        Random r = new Random(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    private static float[] slice(float[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    @Test
    void oneChunkWithOneTimeIsTheBidirectionalForward() {
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, randomValues(1), root, false);
            float[] x = random(FRAMES * GH * GW * P, 2);
            float[] bidirectional = forward(root, model, x, new float[] {0.4f}, 0, FRAMES);
            float[] oneChunk = forward(root, model, x, new float[] {0.4f}, FRAMES, FRAMES);
            assertArrayEquals(bidirectional, oneChunk, 1e-5f);
        }
    }

    @Test
    void aChunkSeesItselfAndEarlierChunksOnly() {
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, randomValues(3), root, false);
            int perChunk = CHUNK * GH * GW * P;
            float[] x = random(FRAMES * GH * GW * P, 4);
            float[] t = {0f, 0.5f, 0.8f};     // 5 frames in chunks of 2: 3 chunks, the last one frame
            float[] base = forward(root, model, x, t, CHUNK, FRAMES);
            // the first chunk alone (same positions, its own time) gives the same output for its tokens — without position
            // features, whose time fraction depends on the clip length (streaming passes the chunk's place in the clip)
            ModelConfig noPosition = CFG.withConditioning(CFG.text().pooled(), 0);
            Map<String, float[]> values = randomValues(3);
            values.remove("pos_embed.weight");
            TinyDit plain = TinyDit.of(noPosition, values, root, false);
            float[] alone = forward(root, plain, slice(x, 0, perChunk), new float[] {0f}, CHUNK, CHUNK);
            assertArrayEquals(alone, slice(forward(root, plain, x, t, CHUNK, FRAMES), 0, perChunk), 1e-5f);
            // changing the last chunk (input or time) leaves the first two chunks unchanged
            float[] later = x.clone();
            for (int i = 2 * perChunk; i < later.length; i++) later[i] += 1f;
            float[] changed = forward(root, model, later, new float[] {0f, 0.5f, 0.2f}, CHUNK, FRAMES);
            assertArrayEquals(slice(base, 0, 2 * perChunk), slice(changed, 0, 2 * perChunk), 1e-5f);
            // changing the first chunk changes the later ones
            float[] earlier = x.clone();
            earlier[0] += 1f;
            float[] moved = forward(root, model, earlier, t, CHUNK, FRAMES);
            double diff = 0;
            for (int i = 2 * perChunk; i < base.length; i++) diff = Math.max(diff, Math.abs(base[i] - moved[i]));
            assertTrue(diff > 1e-4, "the last chunk must see the first: " + diff);
        }
    }

    @Test
    void batchesNoiseEachChunkAtItsOwnLevelAndLeaveCleanContextOutOfTheLoss() {
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        CausalTraining.Batch batch = CausalTraining.batch(CFG, tok, new SyntheticVideos(1), 0, 16, 4, 8, 8, 0.1, new Random(5), 2);
        FlowMatching.Batch b = batch.base();
        int n = b.tokens(), chunks = batch.chunks(), perChunk = n / chunks;
        assertEquals(2, chunks);
        int clean = 0;
        for (int r = 0; r < b.batch(); r++) {
            for (int c = 0; c < chunks; c++) {
                float t = batch.t()[r * chunks + c];
                int token = r * n + c * perChunk;
                // target = ε − x0 and x_t = (1 − t)·x0 + t·ε, so x_t + (1 − t)·target = ε and x_t − t·target = x0
                float[] x0 = new float[P];
                for (int i = 0; i < P; i++) x0[i] = b.noisy()[token * P + i] - t * b.target()[token * P + i];
                if (t == 0f) {
                    clean++;
                    assertEquals(0f, batch.weight()[token], "clean context chunks are out of the loss");
                    assertEquals(0, c, "only a prefix is clean (2 chunks: the first)");
                } else {
                    assertEquals(1f, batch.weight()[token]);
                }
                for (float v : x0) assertTrue(v >= -1.001f && v <= 1.001f, "x0 in [-1, 1]: " + v);
            }
        }
        assertTrue(clean > 0, "some samples of 16 should have a clean first chunk");
    }

    @Test
    void causalTrainingStepsHaveFiniteFallingLoss() {
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        // 5 frames in chunks of 2: the last chunk is partial
        CausalTraining.Batch batch = CausalTraining.batch(CFG, tok, new SyntheticVideos(1), 0, 2, 5, 16, 16, 0.1, new Random(2), 2);
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, TinyDit.initialValues(CFG, 1), root, true);
            AdamW opt = new AdamW(model.parameters(), root, 0.9, 0.999, 1e-8, 0.01, 1.0);
            double first = CausalTraining.trainStep(model, opt, root, batch, 3e-3);
            double last = first;
            for (int i = 0; i < 15; i++) {
                last = CausalTraining.trainStep(model, opt, root, batch, 3e-3);
                assertTrue(Double.isFinite(last), "step " + i + " loss " + last);
            }
            assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);
        }
    }
}
