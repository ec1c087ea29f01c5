package io.tilewise.training;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed reference forward passes of the block-causal model (golden/tiny-t2v-causal-forward.safetensors,
 * written by {@link CausalForwardGolden}) still match the DJL forward of models/tiny-t2v-causal.
 */
class CausalForwardGoldenTest {

    private static final Path MODEL = Path.of("..", "models", "tiny-t2v-causal");
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "tiny-t2v-causal-forward.safetensors");

    @Test
    void committedGoldenMatchesTheCommittedCausalModel() throws Exception {
        assertTrue(Files.exists(MODEL.resolve("weights.safetensors")), "model missing at " + MODEL.toAbsolutePath());
        int chunk = CausalForwardGolden.chunkFrames(MODEL);
        assertTrue(chunk > 0, "models/tiny-t2v-causal must have causal_chunk_frames > 0");
        Map<String, Safetensors.Tensor> golden = Safetensors.read(GOLDEN);
        ModelConfig cfg = SampleClips.readConfig(MODEL.resolve("config.json"));
        Map<String, Safetensors.Tensor> fresh = new LinkedHashMap<>();
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(cfg, TrainTinyModel.load(MODEL.resolve("weights.safetensors")), root, false);
            for (int k = 0; k < CausalForwardGolden.CASES.length; k++) {
                CausalForwardGolden.compute(model, root, CausalForwardGolden.CASES[k], chunk, "case" + k + ".", 200 + k, fresh,
                        new LinkedHashMap<>());
            }
        }
        assertEquals(golden.keySet(), fresh.keySet());
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
    }
}
