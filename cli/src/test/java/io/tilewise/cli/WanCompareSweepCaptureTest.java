package io.tilewise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.io.Npy;
import io.tilewise.wan.fixtures.WanPipelineFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compare}, {@code sweep} and {@code capture} on a tiny random Wan pipeline folder, like any model. */
class WanCompareSweepCaptureTest {

    @TempDir
    Path dir;

    @Test
    void compareReportsAdherenceAsNotApplicable() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 13);
        Path out = dir.resolve("report");
        CliRun run = CliRun.of("compare", "--model", model.toString(), "--prompt", "a blue cat", "--frames", "5", "--height", "32",
                "--width", "48", "--steps", "2", "--attention", "gna:window=1x1x3", "--no-probe", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode report = new ObjectMapper().readTree(Files.readString(out.resolve("report.json")));
        assertTrue(report.toString().contains("\"adheres\":null"), report.toString());
        assertTrue(run.out().contains("n/a"), run.out());
        assertTrue(Files.readString(out.resolve("report.md")).contains("wan-tiny"));
    }

    @Test
    void sweepRunsItsCells() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 13);
        Path spec = dir.resolve("sweep.json");
        Files.writeString(spec, """
                {"level": "generation", "methods": [{"method": "gna", "params": {"window": ["1x1x3"]}}],
                 "prompts": ["a blue cat"], "seeds": [0], "sizes": ["5x32x48"], "steps": 2, "probe_every": 0}
                """);
        Path out = dir.resolve("sweep");
        CliRun run = CliRun.of("sweep", "--model", model.toString(), "--spec", spec.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        var lines = Files.readAllLines(out.resolve("results.jsonl")).stream().filter(l -> l.contains("\"level\":\"generation\"")).toList();
        assertEquals(2, lines.size(), String.join("\n", lines));
        for (String l : lines) assertTrue(l.contains("\"seconds\":") && l.contains("\"adheres\":null") && !l.contains("\"error\""), l);
    }

    @Test
    void captureWritesQkv() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 13);
        Path out = dir.resolve("qkv");
        CliRun run = CliRun.of("capture", "--model", model.toString(), "--prompt", "a cat", "--frames", "5", "--height", "32",
                "--width", "48", "--steps", "2", "--at", "1:1", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertArrayEquals(new int[] {1, 2, 12, 12}, Npy.read(out.resolve("step1-layer1-q.npy")).shape());
    }

    @Test
    void adherenceIsNotApplicable() throws Exception {
        Path model = dir.resolve("wan-tiny");
        WanPipelineFixtures.write(model, 13);
        CliRun run = CliRun.of("adherence", "--model", model.toString(), "--limit", "1");
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("tilewise adherence: adherence is n/a for wan-tiny (wan2.1): it takes free-text prompts and has no prompt analyzer",
                run.err().strip());
    }
}
