package io.tilewise.cli;

import io.tilewise.pipeline.family.GenerationDefaults;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.io.AtomicFiles;
import io.tilewise.pipeline.quality.Adherence;
import io.tilewise.pipeline.quality.PromptSet;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tilewise adherence}: how often generated clips show the prompt's color and direction, on the standard prompt
 * set (where the bundled defaults were tuned) or the held-out one (the test set; see {@link PromptSet}).
 */
@Command(name = "adherence", mixinStandardHelpOptions = true,
        description = {"Generate a fixed prompt set and read each clip back from its pixels (color, shape, direction). "
                + "Adherence = fraction with color and direction right. Sets: standard (24 prompts, the bundled "
                + "defaults were tuned on them) and held-out (48 others: the test set, never tuned on)."})
final class AdherenceCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL, description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--attention", paramLabel = "POLICY", defaultValue = "dense", description = "attention policy (default ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--frames", paramLabel = "N", description = "frames (default: the model's)")
    Integer frames;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's)")
    Integer steps;

    @Option(names = "--prompts", paramLabel = "SET", defaultValue = "standard",
            description = "prompt set: standard or held-out (default ${DEFAULT-VALUE})")
    String promptSet;

    @Option(names = "--limit", paramLabel = "N", description = "use the first N prompts of the set (default: all)")
    Integer limit;

    @Option(names = "--json", paramLabel = "FILE", description = "write every row and the fractions as JSON")
    Path json;

    @Option(names = "--stage-precision", paramLabel = "fp32|int8", defaultValue = "fp32",
            converter = Converters.StagePrecisionConverter.class,
            description = "weight products of the transformer blocks (default ${DEFAULT-VALUE}); see generate")
    io.tilewise.pipeline.onnx.StagePrecision precision;

    @Override
    public Integer call() throws Exception {
        OptionChecks.policy("--attention", policy);
        List<PromptSet.Scene> scenes = scenes(promptSet);
        int count = limit == null ? scenes.size() : limit;
        if (count < 1 || count > scenes.size()) {
            throw new IllegalArgumentException("--limit " + count + " must be in 1.." + scenes.size() + " (the " + promptSet + " set's prompts)");
        }
        if (json != null && json.toAbsolutePath().getParent() != null && !Files.isDirectory(json.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--json " + json + ": directory does not exist");
        }
        PrintWriter out = spec.commandLine().getOut();
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        java.nio.file.Path dir = ModelLocations.resolve(model);
        io.tilewise.pipeline.family.ModelCard card = io.tilewise.pipeline.family.ModelFolders.card(dir);
        if (card.promptWords().isEmpty()) {
            // the analyzer reads the fixed prompts' colours, shapes and directions; a free-text model has no such reader
            throw new IllegalArgumentException("adherence is n/a for " + card.modelId() + " (" + card.family()
                    + "): it takes free-text prompts and has no prompt analyzer");
        }
        try (Pipeline pipeline = Pipeline.open(dir, Pipeline.Options.defaults().withPrecision(precision))) {
            GenerationDefaults d = pipeline.card().defaults();
            GenerationRequest template = GenerationRequest.defaults(pipeline.card(), "").withFrames(frames == null ? d.frames() : frames)
                    .withSteps(steps == null ? d.steps() : steps).withPolicy(policy);
            int[] done = {0};
            Adherence.Report report = Adherence.measure(pipeline, scenes.subList(0, count), template, policy, row -> {
                done[0]++;
                out.printf(Locale.ROOT, "%-62s read %-6s %-8s %-5s  %s  %.1f s%n", row.scene().prompt(), row.reading().color(),
                        row.reading().shape(), row.reading().direction(), row.adheres() ? "ok" : "--", row.seconds());
                if (terminal) out.flush();
            });
            out.printf(Locale.ROOT, "adherence %.3f (%d/%d), color %.3f, direction %.3f, shape %.3f; policy %s; prompts %s%n",
                    report.adherence(), Math.round(report.adherence() * count), count, report.colorAccuracy(),
                    report.directionAccuracy(), report.shapeAccuracy(), policy, promptSet);
            if (json != null) writeJson(report);
        }
        return 0;
    }

    /** The scenes of a {@code --prompts} value; checked before anything is loaded. */
    static List<PromptSet.Scene> scenes(String set) {
        return switch (set) {
            case "standard" -> PromptSet.standard();
            case "held-out" -> PromptSet.heldOut();
            default -> throw new IllegalArgumentException("--prompts " + set + " is not one of standard, held-out");
        };
    }

    private void writeJson(Adherence.Report report) throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("policy", report.policy());
        root.put("prompts", promptSet);
        root.put("adherence", report.adherence());
        root.put("color", report.colorAccuracy());
        root.put("direction", report.directionAccuracy());
        root.put("shape", report.shapeAccuracy());
        root.put("rows", report.rows().stream().map(r -> Map.of("prompt", r.scene().prompt(), "color",
                String.valueOf(r.reading().color()), "shape", String.valueOf(r.reading().shape()), "direction",
                String.valueOf(r.reading().direction()), "fill", r.reading().fill(), "adheres", r.adheres(), "seconds", r.seconds())).toList());
        AtomicFiles.write(json, tmp -> new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root));
    }
}
