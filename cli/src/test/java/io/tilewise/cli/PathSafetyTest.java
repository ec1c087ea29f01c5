package io.tilewise.cli;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.reorder.ParoPlanFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Output paths are used as given, never combined with names from model or plan files (issue 9): a model whose id
 * and vocabulary are paths ({@code ../../..}, an absolute path) goes through generate, calibrate, generate with
 * the plan it calibrated and inspect, and the only files that appear are the ones named on the command line.
 */
class PathSafetyTest {

    @TempDir
    Path dir;

    @Test
    void namesFromModelAndPlanFilesNeverBecomeOutputPaths() throws Exception {
        String absolute = Path.of(System.getProperty("java.io.tmpdir"), "tilewise-escape-" + UUID.randomUUID()).toString();
        Path work = Files.createDirectories(dir.resolve("a/b/c/work"));
        List<String> vocab = new ArrayList<>(TinyModels.VOCAB);
        vocab.addAll(List.of("../../../../escape", absolute, "clip.gif"));
        ModelConfig base = TinyModels.small(1);
        ModelConfig hostile = new ModelConfig(base.architecture(), "../../../../escape/" + "x/" + absolute, base.hidden(),
                base.heads(), base.blocks(), base.mlpRatio(), base.patch(), base.channels(), base.freqDim(), base.ropeAxes(),
                base.ropeTheta(), new ModelConfig.TextConfig(base.text().hidden(), base.text().heads(), base.text().layers(),
                base.text().maxTokens(), vocab), 0, base.defaults(), "../../../../escape");
        Path model = TinyModels.write(work.resolve("model"), hostile, 3);
        Path prompts = Files.writeString(work.resolve("prompts.txt"), "a red circle ../../../../escape\n");
        Set<String> before = tree(dir);

        Path out = Files.createDirectories(work.resolve("out"));
        Path clip = out.resolve("clip.gif");
        Path plan = out.resolve("plan.paro");
        Path png = out.resolve("mask.png");
        run("generate", "--model", model.toString(), "--prompt", "a red circle ../../../../escape " + absolute,
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "2", "--out", clip.toString());
        run("calibrate", "paro", "--model", model.toString(), "--prompts", prompts.toString(), "--density", "0.5",
                "--groups", "1", "--block", "16", "--sample", "1", "--frames", "4", "--steps", "2", "--out", plan.toString());
        assertEquals(hostile.modelId(), ParoPlanFile.read(plan).modelId(), "the plan carries the hostile id");
        Files.delete(clip);
        run("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "4", "--steps", "2",
                "--attention", "paro:plan=" + plan + ",model=" + hostile.modelId(), "--out", clip.toString());
        run("inspect", "--method", "paro:plan=" + plan, "--grid", "4,4,4", "--heads", "2", "--png", png.toString());

        Set<String> added = new TreeSet<>(tree(dir));
        added.removeAll(before);
        assertEquals(Set.of(rel(clip), rel(plan), rel(png)), added, "only the files named on the command line");
        assertFalse(Files.exists(Path.of(absolute)), absolute);
        assertFalse(Files.exists(Path.of(absolute).getParent().resolve("escape")));
    }

    private String rel(Path p) {
        return dir.relativize(p).toString();
    }

    private static void run(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + "\n" + r.err());
    }

    private static Set<String> tree(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return new TreeSet<>(files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList());
        }
    }
}
