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

/** {@code tilewise adherence}: how often generated clips show the prompt's color and direction. */
@Command(name = "adherence", mixinStandardHelpOptions = true,
        description = {"Generate the fixed set of 24 prompts and read each clip back from its pixels (color, shape, "
                + "direction). Adherence = fraction with color and direction right."})
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

    @Option(names = "--limit", paramLabel = "N", defaultValue = "24", description = "use the first N prompts (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--json", paramLabel = "FILE", description = "write every row and the fractions as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        OptionChecks.policy("--attention", policy);
        List<PromptSet.Scene> scenes = PromptSet.standard();
        if (limit < 1 || limit > scenes.size()) throw new IllegalArgumentException("--limit " + limit + " must be in 1.." + scenes.size());
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
        try (Pipeline pipeline = Pipeline.open(dir)) {
            GenerationDefaults d = pipeline.card().defaults();
            GenerationRequest template = GenerationRequest.defaults(pipeline.card(), "").withFrames(frames == null ? d.frames() : frames)
                    .withSteps(steps == null ? d.steps() : steps).withPolicy(policy);
            int[] done = {0};
            Adherence.Report report = Adherence.measure(pipeline, scenes.subList(0, limit), template, policy, row -> {
                done[0]++;
                out.printf(Locale.ROOT, "%-62s read %-6s %-8s %-5s  %s  %.1f s%n", row.scene().prompt(), row.reading().color(),
                        row.reading().shape(), row.reading().direction(), row.adheres() ? "ok" : "--", row.seconds());
                if (terminal) out.flush();
            });
            out.printf(Locale.ROOT, "adherence %.3f (%d/%d), color %.3f, direction %.3f, shape %.3f; policy %s%n",
                    report.adherence(), Math.round(report.adherence() * limit), limit, report.colorAccuracy(),
                    report.directionAccuracy(), report.shapeAccuracy(), policy);
            if (json != null) writeJson(report);
        }
        return 0;
    }

    private void writeJson(Adherence.Report report) throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("policy", report.policy());
        root.put("adherence", report.adherence());
        root.put("color", report.colorAccuracy());
        root.put("direction", report.directionAccuracy());
        root.put("shape", report.shapeAccuracy());
        root.put("rows", report.rows().stream().map(r -> Map.of("prompt", r.scene().prompt(), "color",
                String.valueOf(r.reading().color()), "shape", String.valueOf(r.reading().shape()), "direction",
                String.valueOf(r.reading().direction()), "adheres", r.adheres(), "seconds", r.seconds())).toList());
        AtomicFiles.write(json, tmp -> new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root));
    }
}
