package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.fixtures.WanPipelineFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny random Wan pipeline folder through {@code generate} end to end, and bad folders refused in one line. */
class WanFolderCommandsTest {

    @TempDir
    Path dir;

    @Test
    void tinyFolderGeneratesEndToEnd() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        Path npy = dir.resolve("clip.npy");
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red dog jumps", "--negative-prompt", "blurry",
                "--frames", "7", "--height", "32", "--width", "48", "--steps", "2", "--attention", "gna:window=1x1x3",
                "--out", npy.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("frames 7 is not 4n+1; rounded to 5"), run.err());
        assertTrue(run.out().contains("5 frames of 48x32 px"), run.out());
        NpyArray frames = Npy.read(npy);
        assertArrayEquals(new int[] {5, 32, 48, 3}, frames.shape());
        for (float v : frames.data()) assertTrue(v >= 0 && v <= 1, "frame value " + v);
        Path gif = dir.resolve("clip.gif");
        CliRun gifRun = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red dog", "--frames", "5", "--height", "32",
                "--width", "32", "--steps", "1", "--scheduler", "euler", "--out", gif.toString());
        assertEquals(0, gifRun.exitCode(), gifRun.err());
        assertTrue(Files.size(gif) > 0);
    }

    @Test
    void streamingIsRefused() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        assertUserError("generate", model, "--stream needs a block-causal model", "--stream");
    }

    @Test
    void badSizesAndNoise() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        assertUserError("generate", model, "height 40 and width 32 must be multiples of 16", "--height", "40");
        Path z0 = dir.resolve("z0.npy");
        Npy.write(z0, new NpyArray(new int[] {1, 16, 1, 4, 4}, new float[256]));
        assertUserError("generate", model, "--noise has shape [1, 16, 1, 4, 4]; this video needs [1, 16, 2, 4, 4]",
                "--noise", z0.toString());
        assertUserError("generate", model, "--scheduler ddim is not one of: unipc, euler", "--scheduler", "ddim");
    }

    @Test
    void missingComponent() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        deleteTree(model.resolve("vae"));
        assertUserError("generate", model, "vae", new String[0]);
    }

    @Test
    void wrongClassName() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        Path index = model.resolve("model_index.json");
        Files.writeString(index, Files.readString(index).replace("\"WanPipeline\"", "\"CogVideoXPipeline\""));
        assertUserError("generate", model, "no model family for 'CogVideoXPipeline'", new String[0]);
    }

    @Test
    void tokenizerAbsent() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        Files.delete(model.resolve("tokenizer/tokenizer.json"));
        assertUserError("generate", model, "tokenizer", new String[0]);
    }

    @Test
    void shapesOff() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 11);
        Path config = model.resolve("transformer/config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"ffn_dim\" : 32", "\"ffn_dim\" : 48"));
        assertUserError("generate", model, "ffn", new String[0]);
    }

    private void assertUserError(String command, Path model, String expected, String... extra) {
        Path out = dir.resolve("never.npy");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command, "--model", model.toString(), "--prompt",
                "a cat", "--frames", "5", "--width", "32", "--steps", "1", "--out", out.toString()));
        if (!java.util.Arrays.asList(extra).contains("--height")) args.addAll(java.util.List.of("--height", "32"));
        args.addAll(java.util.Arrays.asList(extra));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        System.out.println("refused: " + run.err().strip());
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().startsWith("tilewise " + command + ": ") && run.err().contains(expected), run.err());
        assertFalse(Files.exists(out), "no output file on error");
    }

    private static void deleteTree(Path p) throws Exception {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
