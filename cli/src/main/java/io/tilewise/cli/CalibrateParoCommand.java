package io.tilewise.cli;

import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.attention.io.UserFiles;
import io.tilewise.pipeline.calibrate.ParoModelCalibration;
import io.tilewise.reorder.ParoPlan;
import io.tilewise.reorder.ParoPlanFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tilewise calibrate paro}: a PARO plan (axis orders + block masks) from real generation runs. */
@Command(name = "paro", mixinStandardHelpOptions = true,
        description = {"Calibrate PARO on a model: generate the prompts with dense attention, capture q and k per layer at "
                + "one step per timestep group, choose each head's axis order and block mask. Use the plan with "
                + "tilewise generate --attention paro:plan=FILE (same model and video size)."})
final class CalibrateParoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL, description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "calibration prompts, one per line (# comments)")
    Path prompts;

    @Option(names = "--density", paramLabel = "F", defaultValue = "0.25", description = "block density per head (default ${DEFAULT-VALUE})")
    double density;

    @Option(names = "--groups", paramLabel = "G", defaultValue = "4", description = "timestep groups (default ${DEFAULT-VALUE})")
    int groups;

    @Option(names = "--block", paramLabel = "N", defaultValue = "64", description = "block size in tokens (default ${DEFAULT-VALUE})")
    int block;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "8", description = "sample 1 in N query rows (default ${DEFAULT-VALUE}; 1 = all)")
    int sample;

    @Option(names = "--frames", paramLabel = "N", description = "frames (default: the model's)")
    Integer frames;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's)")
    Integer steps;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "seed of the first prompt (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "plan file to write, e.g. plan.paro")
    Path out;

    /** A prompt list is text of a few kilobytes. */
    private static final long MAX_PROMPTS_BYTES = 16L << 20;

    @Override
    public Integer call() throws Exception {
        if (Files.notExists(prompts)) throw new IllegalArgumentException("--prompts " + prompts + ": no such file");
        List<String> lines = UserFiles.readUtf8(prompts, "--prompts", MAX_PROMPTS_BYTES).lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        if (lines.isEmpty()) throw new IllegalArgumentException("--prompts " + prompts + " has no prompt lines");
        if (block < 1 || block > 4096) throw new IllegalArgumentException("--block " + block + " must be in 1..4096");
        if (sample < 1) throw new IllegalArgumentException("--sample " + sample + " must be >= 1");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("--out " + out + ": directory does not exist");
        Path dir = ModelLocations.resolve(model);
        GenerationDefaults d = ModelFolders.card(dir).defaults();
        ParoModelCalibration.Request request = new ParoModelCalibration.Request(lines, frames == null ? d.frames() : frames,
                d.height(), d.width(), steps == null ? d.steps() : steps, d.guidance(), seed, groups, density, block, sample);
        PrintWriter err = spec.commandLine().getErr();
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        long start = System.nanoTime();
        ParoPlan plan = ParoModelCalibration.calibrate(dir, request, line -> {
            if (terminal) {
                err.println("tilewise calibrate paro: " + line);
                err.flush();
            }
        });
        ParoPlanFile.write(plan, out);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: model %s, layout %s, %d groups x %d layers x %d heads, "
                        + "block density %.3f, %.1f s%n", out, plan.modelId(), plan.layout(), plan.groups(), plan.layers(),
                plan.heads(), plan.blockDensity(), (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
