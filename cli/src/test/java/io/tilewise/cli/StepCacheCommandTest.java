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
    void compareAndSweepShowStepsComputedAndSkippedPerBranch() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path out = dir.resolve("report");
        CliRun compare = CliRun.of("compare", "--model", model.toString(), "--prompt", "a red circle moving right on a blue background",
                "--attention", "dense", "--step-cache", "fbcache:threshold=100,warmup=1,max_skip=1", "--frames", "2", "--steps", "4",
                "--no-probe", "--out", out.toString());
        assertEquals(0, compare.exitCode(), compare.err());
        // warm-up step 0, then skip and compute alternate (max_skip=1): steps 0 and 2 computed, 1 and 3 skipped
        assertTrue(compare.out().contains("| dense + fbcache:threshold=100,warmup=1,max_skip=1 |"), compare.out());
        assertTrue(compare.out().contains("cond 2/4, uncond 2/4 computed"), compare.out());
        String json = Files.readString(out.resolve("report.json"));
        assertTrue(json.contains("\"skipped_per_branch\" : [ 2, 2 ]"), json);

        Path spec = dir.resolve("sweep.json");
        Files.writeString(spec, """
                {"methods": [{"method": "dense", "step_cache": ["fbcache:threshold=100,warmup=1,max_skip=1"]},
                             {"method": "radial", "params": {"decay": [0.1], "block": [8]}, "step_cache": ["none", "taylor:threshold=100,warmup=1"]}],
                 "prompts": ["a red circle moving right on a blue background"], "seeds": [0], "sizes": ["2x16x16"], "steps": 4}
                """);
        CliRun sweep = CliRun.of("sweep", "--spec", spec.toString(), "--out", dir.resolve("sweep").toString(), "--model", model.toString());
        assertEquals(0, sweep.exitCode(), sweep.err());
        assertTrue(sweep.out().contains("ran 4 cells"), sweep.out());
        assertTrue(sweep.out().contains("| dense + fbcache:threshold=100,warmup=1,max_skip=1 |")
                && sweep.out().contains("| radial:decay=0.1,block=8 + taylor:threshold=100,warmup=1 |"), sweep.out());
        assertTrue(sweep.out().contains("cond 2/4, uncond 2/4 computed"), sweep.out());
        assertTrue(sweep.out().contains("cond 1/4, uncond 1/4 computed"), "taylor with max_skip 3: step 0 computed, then 3 skips: " + sweep.out());
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
