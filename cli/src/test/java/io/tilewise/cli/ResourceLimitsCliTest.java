package io.tilewise.cli;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelDirectory;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.SafetensorsWriter;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --memory-limit and NaN reports on the command line: one line, exit 2, no output file. */
class ResourceLimitsCliTest {

    @TempDir
    Path dir;

    private static String oneLine(CliRun run) {
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        return run.errLines()[0];
    }

    @Test
    void generateOverTheMemoryLimitIsRefusedBeforeItRuns() {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path out = dir.resolve("clip.gif");
        String line = oneLine(CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2",
                "--height", "16", "--width", "16", "--steps", "2", "--memory-limit", "64k", "--out", out.toString()));
        assertTrue(line.startsWith("tilewise generate: generation of 2 frames of 16x16 px (32 tokens, 2 CFG branches) needs an estimated "), line);
        assertTrue(line.contains("over the memory limit of 64.0 KiB (--memory-limit)"), line);
        assertFalse(Files.exists(out));

        String bad = oneLine(CliRun.of("generate", "--model", model.toString(), "--prompt", "a", "--memory-limit", "lots",
                "--out", out.toString()));
        assertTrue(bad.contains("--memory-limit 'lots' is not a size; expected e.g. 4g"), bad);
    }

    @Test
    void benchOverTheMemoryLimitIsRefusedBeforeItAllocates() {
        String line = oneLine(CliRun.of("bench", "attention", "--grid", "21,45,80", "--heads", "40", "--head-dim", "128",
                "--methods", "dense", "--memory-limit", "2g"));
        assertTrue(line.startsWith("tilewise bench attention: benchmark of 1 methods on [batch 1, heads 40, seqLen 75600"), line);
        assertTrue(line.contains("over the memory limit of 2.0 GiB (--memory-limit)"), line);
    }

    @Test
    void nanFromTheModelIsOneLineNamingLayerAndStep() throws Exception {
        ModelConfig config = TinyModels.small(2);
        Map<String, float[]> arrays = TinyModels.randomArrays(config, 5);
        arrays.get("blocks.1.attn.qkv.weight")[3] = Float.NaN;
        Path model = Files.createDirectories(dir.resolve("nan-model"));
        Files.writeString(model.resolve(ModelDirectory.CONFIG), config.toJson().toPrettyString());
        SafetensorsWriter writer = new SafetensorsWriter();
        Map<String, long[]> shapes = ModelWeights.expectedShapes(config);
        arrays.forEach((name, values) -> writer.add(name, shapes.get(name), values));
        writer.write(model.resolve(ModelDirectory.WEIGHTS));
        Path out = dir.resolve("clip.gif");
        String line = oneLine(CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2",
                "--height", "16", "--width", "16", "--steps", "2", "--out", out.toString()));
        assertTrue(line.startsWith("tilewise generate: NaN in input q of dense at layer 1, step 0, branch cond [head 0, token 0, dim "), line);
        assertFalse(Files.exists(out));
    }
}
