package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tilewise generate} on the golden Wan pipeline (tiny random weights; expected frames made by diffusers'
 * WanPipeline from the same z0): 3 steps of 5 frames at 32x32, guidance 5, empty negative prompt.
 */
class WanGenerateCommandTest {

    private static final String[] MODEL_FILES = {"model_index.json", "scheduler/scheduler_config.json",
            "text_encoder/config.json", "text_encoder/model.safetensors", "tokenizer/special_tokens_map.json",
            "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json", "transformer/config.json",
            "transformer/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors"};

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"euler", "unipc"})
    void goldenGeneration(String scheduler) throws Exception {
        Path model = golden(dir);
        Path out = dir.resolve("out-" + scheduler + ".npy");
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a blue cat on the grass",
                "--negative-prompt", "", "--frames", "5", "--height", "32", "--width", "32", "--steps", "3", "--guidance", "5",
                "--scheduler", scheduler, "--noise", dir.resolve("z0.npy").toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        NpyArray got = Npy.read(out);
        NpyArray expected = Npy.read(dir.resolve("frames-" + scheduler + ".npy"));
        assertArrayEquals(expected.shape(), got.shape());
        double err = relL2(got.data(), expected.data());
        assertTrue(err <= 1e-3, scheduler + ": rel L2 " + err);
        System.out.printf("golden wan generate (%s): relative L2 to diffusers' frames %.3e%n", scheduler, err);
    }

    /** The golden pipeline folder and its files under {@code dir}; returns the model folder. */
    static Path golden(Path dir) throws Exception {
        Path model = dir.resolve("model");
        for (String f : MODEL_FILES) copyResource("/golden/pipeline/model/" + f, model.resolve(f));
        for (String f : new String[] {"z0.npy", "frames-euler.npy", "frames-unipc.npy"}) {
            copyResource("/golden/pipeline/" + f, dir.resolve(f));
        }
        return model;
    }

    static void copyResource(String name, Path target) throws Exception {
        Files.createDirectories(target.getParent());
        try (InputStream in = WanGenerateCommandTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("test resource " + name + " is missing");
            Files.copy(in, target);
        }
    }

    static double relL2(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (double) (a[i] - b[i]) * (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
