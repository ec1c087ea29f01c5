package io.tilewise.cli;

import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.stepcache.MagCachePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --step-cache} on generate, {@code calibrate magcache}, and their user errors (one line, exit 2, no file). */
class StepCacheCommandTest {

    @TempDir
    Path dir;

    @Test
    void calibrateThenGenerateWithEachStepCache() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path plan = dir.resolve("magcache.json");
        CliRun calibrate = CliRun.of("calibrate", "magcache", "--model", model.toString(), "--prompt", "a red circle moving right",
                "--steps", "4", "--out", plan.toString());
        assertEquals(0, calibrate.exitCode(), calibrate.err());
        assertEquals(4, MagCachePlan.read(plan).steps());
        for (String cache : new String[] {"fbcache:threshold=0.5,warmup=1", "taylor:order=2,threshold=0.5,warmup=1",
                "magcache:plan=" + plan + ",threshold=1,warmup=1"}) {
            Path out = dir.resolve("clip.gif");
            CliRun generate = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2",
                    "--steps", "4", "--step-cache", cache, "--out", out.toString());
            assertEquals(0, generate.exitCode(), generate.err());
            assertTrue(generate.out().contains("step cache " + cache.substring(0, cache.indexOf(':'))), generate.out());
            assertTrue(Files.size(out) > 0);
        }
    }

    @Test
    void badSpecsAreOneLineWithExitCode2AndNoFile() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path out = dir.resolve("clip.gif");
        CliRun bad = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2", "--steps", "2",
                "--step-cache", "fbcache:threshold=abc", "--out", out.toString());
        assertEquals(2, bad.exitCode(), bad.err());
        assertEquals("tilewise generate: step cache fbcache: threshold=abc is not allowed; expected a number in [0.0, 100.0]",
                bad.err().strip());
        assertFalse(Files.exists(out));
        CliRun plan = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2", "--steps", "2",
                "--step-cache", "magcache:plan=" + dir.resolve("none.json"), "--out", out.toString());
        assertEquals(2, plan.exitCode(), plan.err());
        assertEquals(1, plan.err().strip().lines().count(), plan.err());
        assertTrue(plan.err().contains("none.json cannot be read"), plan.err());
        CliRun compare = CliRun.of("compare", "--model", model.toString(), "--prompt", "a red circle", "--attention", "dense",
                "--step-cache", "taylor:order=5", "--out", dir.resolve("cmp").toString());
        assertEquals(2, compare.exitCode(), compare.err());
        assertEquals("tilewise compare: step cache taylor: order=5 is not allowed; expected an integer in 1..2", compare.err().strip());
    }
}
