package io.tilewise.cli;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.reorder.ParoPlan;
import io.tilewise.reorder.ParoPlanFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calibrate PARO on a random-weight model from generation runs, then generate with the plan. */
class CalibrateParoCommandTest {

    @TempDir
    Path dir;

    @Test
    void planFromGenerationRunsLoadsAndDrivesGeneration() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path prompts = Files.writeString(dir.resolve("prompts.txt"),
                "# calibration prompts\na red circle moving right on a blue background\na green square moving up on a black background\n");
        Path plan = dir.resolve("plan.paro");
        // 4 frames of the model's 16x16 px: 4x4x4 = 64 tokens, 4 blocks of 16.
        CliRun calibrate = CliRun.of("calibrate", "paro", "--model", model.toString(), "--prompts", prompts.toString(),
                "--density", "0.5", "--groups", "2", "--block", "16", "--sample", "1", "--frames", "4", "--steps", "4",
                "--out", plan.toString());
        assertEquals(0, calibrate.exitCode(), calibrate.err());

        ParoPlan read = ParoPlanFile.read(plan);
        assertEquals(2, read.groups());
        assertEquals(2, read.layers());
        assertEquals(2, read.heads());
        assertEquals(16, read.blockSize());
        assertEquals(TokenLayout.video(new TokenGrid(4, 4, 4)), read.layout());

        Path out = dir.resolve("clip.gif");
        CliRun generate = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "4",
                "--steps", "4", "--attention", "paro:plan=" + plan, "--out", out.toString());
        assertEquals(0, generate.exitCode(), generate.err());
        assertTrue(generate.out().contains("paro:plan="), generate.out());

        // Another video size is refused before generating: the plan is for one layout.
        Path other = dir.resolve("other.gif");
        CliRun refused = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2",
                "--steps", "4", "--attention", "paro:plan=" + plan, "--out", other.toString());
        assertEquals(2, refused.exitCode(), refused.err());
        assertEquals(1, refused.errLines().length, refused.err());
        assertFalse(Files.exists(other));
    }

    @Test
    void badArgumentsAreOneLine() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        CliRun run = CliRun.of("calibrate", "paro", "--model", model.toString(), "--prompts", empty.toString(), "--out",
                dir.resolve("p.paro").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("has no prompt lines"), run.err());
        CliRun groups = CliRun.of("calibrate", "paro", "--model", model.toString(), "--prompts",
                Files.writeString(dir.resolve("p.txt"), "a red circle\n").toString(), "--groups", "9", "--steps", "4",
                "--out", dir.resolve("p.paro").toString());
        assertEquals(2, groups.exitCode());
        assertTrue(groups.err().contains("--groups 9"), groups.err());
        assertFalse(Files.exists(dir.resolve("p.paro")));
    }
}
