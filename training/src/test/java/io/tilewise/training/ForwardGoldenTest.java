package io.tilewise.training;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed reference forward passes (src/test/resources/golden/tiny-t2v-forward.safetensors, written by
 * {@link ForwardGolden}) still match the DJL forward of the committed model: so they can serve as the oracle for
 * the ONNX pipeline, and regenerating them is needed whenever the weights change.
 */
class ForwardGoldenTest {

    private static final Path MODEL = Path.of("..", "models", "tiny-t2v");
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "tiny-t2v-forward.safetensors");

    @Test
    void committedGoldenMatchesTheCommittedModel() throws Exception {
        assertTrue(Files.exists(MODEL.resolve("weights.safetensors")), "model missing at " + MODEL.toAbsolutePath());
        Map<String, Safetensors.Tensor> golden = Safetensors.read(GOLDEN);
        ModelConfig cfg = SampleClips.readConfig(MODEL.resolve("config.json"));
        Map<String, Safetensors.Tensor> fresh = new LinkedHashMap<>();
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(cfg, TrainTinyModel.load(MODEL.resolve("weights.safetensors")), root, false);
            for (int k = 0; k < ForwardGolden.CASES.length; k++) {
                ForwardGolden.compute(model, root, ForwardGolden.CASES[k], "case" + k + ".", 100 + k, fresh, new LinkedHashMap<>());
            }
        }
        for (Map.Entry<String, Safetensors.Tensor> e : fresh.entrySet()) {
            Safetensors.Tensor g = golden.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), g.shape(), e.getKey());
            double num = 0, den = 0;
            for (int i = 0; i < g.data().length; i++) {
                double d = g.data()[i] - e.getValue().data()[i];
                num += d * d;
                den += (double) g.data()[i] * g.data()[i];
            }
            assertTrue(Math.sqrt(num / Math.max(den, 1e-30)) < 1e-5, e.getKey() + " relative L2 " + Math.sqrt(num / den));
        }
        // a trained model predicts a non-trivial velocity
        float[] v = golden.get("case0.velocity").data();
        double energy = 0;
        for (float x : v) {
            energy += x * x;
        }
        assertTrue(energy / v.length > 0.01, "velocity energy " + energy / v.length);
    }
}
