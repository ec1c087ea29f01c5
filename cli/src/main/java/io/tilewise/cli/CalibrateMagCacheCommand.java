package io.tilewise.cli;

import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.stepcache.MagCachePlan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tilewise calibrate magcache}: a MagCache plan (residual magnitude per step and CFG branch) from one dense run. */
@Command(name = "magcache", mixinStandardHelpOptions = true,
        description = {"Calibrate MagCache on a model: generate one prompt with dense attention and every step computed, "
                + "record the mean absolute residual of the block stack per step and CFG branch. Use the plan with "
                + "tilewise generate --step-cache magcache:plan=FILE (same model and step count)."})
final class CalibrateMagCacheCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL, description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the calibration prompt")
    String prompt;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's; the plan serves this count)")
    Integer steps;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "noise seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "plan file to write, e.g. models/tiny-t2v/magcache.json")
    Path out;

    @Override
    public Integer call() {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("--out " + out + ": directory does not exist");
        if (steps != null && steps < 2) throw new IllegalArgumentException("--steps " + steps + " must be >= 2");
        Path dir = ModelLocations.resolve(model);
        long start = System.nanoTime();
        try (Pipeline pipeline = Pipeline.open(dir)) {
            GenerationDefaults d = pipeline.card().defaults();
            GenerationRequest request = new GenerationRequest(prompt, d.frames(), d.height(), d.width(), steps == null ? d.steps() : steps,
                    d.guidance(), d.shift(), seed, "dense", MagCachePlan.CALIBRATION_SPEC);
            GenerationResult result = pipeline.generate(request);
            MagCachePlan plan = MagCachePlan.fromRun(pipeline.card().modelId(), prompt, seed, result.stepCache());
            plan.write(out);
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: model %s, %d steps x %d branches, %.1f s%n", out, plan.modelId(),
                    plan.steps(), plan.magnitudes().length, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }
}
