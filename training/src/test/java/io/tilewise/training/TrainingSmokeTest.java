package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSmokeTest {

    private static final ModelConfig CFG = TinyConfigs.testSized();

    @TempDir
    Path dir;

    @Test
    void lossIsFiniteAndFallsWhenOverfittingOneBatch() {
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        FlowMatching.Batch batch = FlowMatching.batch(CFG, tok, new SyntheticVideos(1), 0, 2, 4, 16, 16, 0.1, new Random(2));
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, TinyDit.initialValues(CFG, 1), root, true);
            AdamW opt = new AdamW(model.parameters(), root, 0.9, 0.999, 1e-8, 0.01, 1.0);
            double first = FlowMatching.trainStep(model, opt, root, batch, 3e-3);
            double second = FlowMatching.trainStep(model, opt, root, batch, 3e-3);
            assertTrue(Double.isFinite(first) && Double.isFinite(second), first + ", " + second);
            double last = second;
            for (int i = 0; i < 20; i++) {
                last = FlowMatching.trainStep(model, opt, root, batch, 3e-3);
                assertTrue(Double.isFinite(last), "step " + i + " loss " + last);
            }
            assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);
            assertEquals(22, opt.step());
        }
    }

    @Test
    void highNoiseShareMovesThatShareOfSamplesToTheLayoutSteps() {
        SyntheticVideos data = new SyntheticVideos(1);
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        FlowMatching.Batch usual = FlowMatching.batch(CFG, tok, data, 0, 64, 1, 8, 8, 0.1, 0, new Random(6));
        FlowMatching.Batch none = FlowMatching.batch(CFG, tok, data, 0, 64, 1, 8, 8, 0.1, 0, 0, new Random(6));
        assertArrayEquals(usual.t(), none.t(), 0f, "share 0 draws exactly as before");
        FlowMatching.Batch all = FlowMatching.batch(CFG, tok, data, 0, 64, 1, 8, 8, 0.1, 0, 1, new Random(6));
        int usualHigh = 0;
        for (int b = 0; b < 64; b++) {
            assertTrue(all.t()[b] >= 0.9f && all.t()[b] < 1f, "t " + all.t()[b]);
            if (usual.t()[b] >= 0.9f) usualHigh++;
        }
        assertTrue(usualHigh < 20, "the shifted logit-normal puts few samples at t >= 0.9: " + usualHigh + " of 64");
        assertThrows(IllegalArgumentException.class, () -> FlowMatching.batch(CFG, tok, data, 0, 1, 1, 8, 8, 0.1, 0, 1.5, new Random(6)));
    }

    @Test
    void objectWeightMarksTheObjectsPixelsAndScalesTheirLoss() {
        SyntheticVideos data = new SyntheticVideos(1);
        SyntheticVideos.Clip clip = data.sample(3, 2, 16, 16);
        float[] w = FlowMatching.objectWeights(clip, 8);
        int plane = 2 * 16 * 16, object = 0;
        float[] bg = SyntheticVideos.RGB.get(clip.scene().background());
        for (int i = 0; i < plane; i++) {
            boolean differs = false;
            for (int c = 0; c < 3; c++) differs |= Math.abs(clip.pixels()[c * plane + i] - (2 * bg[c] - 1)) > 0.2f;
            assertEquals(differs ? 9f : 1f, w[i], "pixel " + i);
            assertEquals(w[i], w[2 * plane + i], "same weight in every channel");
            if (differs) object++;
        }
        assertTrue(object > 0 && object < plane / 2, "object pixels " + object);
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        FlowMatching.Batch plain = FlowMatching.batch(CFG, tok, data, 0, 2, 4, 16, 16, 0.1, new Random(2));
        FlowMatching.Batch weighted = FlowMatching.batch(CFG, tok, data, 0, 2, 4, 16, 16, 0.1, 8, new Random(2));
        assertEquals(null, plain.weight());
        assertArrayEquals(plain.target(), weighted.target(), 0f, "weighting leaves the data and noise alone");
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, TinyDit.initialValues(CFG, 1), root, true);
            AdamW opt = new AdamW(model.parameters(), root, 0.9, 0.999, 1e-8, 0.01, 1.0);
            double loss = FlowMatching.trainStep(model, opt, root, weighted, 3e-3);
            assertTrue(Double.isFinite(loss), "weighted loss " + loss);
        }
    }

    @Test
    void checkpointRoundTripsThroughSafetensorsAndSamplingIsDeterministic() throws Exception {
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, TinyDit.initialValues(CFG, 4), root, true);
            AdamW opt = new AdamW(model.parameters(), root, 0.9, 0.999, 1e-8, 0.01, 1.0);
            FlowMatching.Batch batch = FlowMatching.batch(CFG, tok, new SyntheticVideos(1), 0, 2, 1, 8, 8, 0, new Random(3));
            FlowMatching.trainStep(model, opt, root, batch, 1e-2);
            Map<String, float[]> values = model.values();
            Map<String, Safetensors.Tensor> tensors = new java.util.LinkedHashMap<>();
            TinyDit.parameterShapes(CFG).forEach((k, s) -> tensors.put(k, new Safetensors.Tensor(s, values.get(k))));
            Path file = dir.resolve("weights.safetensors");
            Safetensors.write(file, tensors, null);
            TinyDit loaded = TinyDit.of(CFG, TrainTinyModel.load(file), root, false);
            float[] a = FlowMatching.sample(model, root, tok, "a red circle on a black background", 1, 8, 8, 3, 4.0, 3.0, 9);
            float[] b = FlowMatching.sample(loaded, root, tok, "a red circle on a black background", 1, 8, 8, 3, 4.0, 3.0, 9);
            assertArrayEquals(a, b, 1e-6f);
            for (float v : a) {
                assertTrue(v >= -1 && v <= 1);
            }
        }
    }
}
