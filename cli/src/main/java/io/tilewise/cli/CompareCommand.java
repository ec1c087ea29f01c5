package io.tilewise.cli;

import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.probe.ProbeSampler;
import io.tilewise.pipeline.report.CompareRequest;
import io.tilewise.pipeline.report.Comparison;
import io.tilewise.pipeline.report.ComparisonMarkdown;
import io.tilewise.pipeline.report.ComparisonReport;
import io.tilewise.pipeline.report.ComparisonResult;
import io.tilewise.pipeline.report.MethodOutcome;
import io.tilewise.pipeline.report.PolicyList;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;
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

/** {@code tilewise compare}: dense and each policy on one prompt and seed; speed, quality and a report directory. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Generate the same prompt and seed with dense attention and with each policy; report wall and attention "
                + "time, speedup, PSNR/SSIM per frame, final latent error, prompt adherence, executed density and (probed) "
                + "error per layer and step. Writes report.json, report.md and a self-contained report.html into --out.",
                "--attention takes a comma-separated list (a comma followed by key=value continues the previous spec; commas inside cache(...) never split), "
                        + "e.g. dense,radial:decay=0.2,block=16,gna:window=8x8x8,pisa:density=0.15,paro:plan=plan.paro; "
                        + "repeat the option for policies with ';'."})
final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "e.g. \"a red circle moving right on a blue background\"")
    String prompt;

    @Option(names = "--attention", required = true, paramLabel = "LIST", description = "policies to compare with dense")
    List<String> attention;

    @Option(names = "--step-cache", paramLabel = "SPEC",
            description = "step cache for every policy; repeat to compare several (each policy runs with each; 'none' = without). "
                    + "With --attention dense, the step cache alone. Default: none")
    List<String> stepCaches;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "report directory (created; files in it are replaced)")
    Path out;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "noise seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's)")
    Integer steps;

    @Option(names = "--frames", paramLabel = "N", description = "frames (default: the model's)")
    Integer frames;

    @Option(names = "--height", paramLabel = "PX", description = "height in pixels (default: the model's)")
    Integer height;

    @Option(names = "--width", paramLabel = "PX", description = "width in pixels (default: the model's)")
    Integer width;

    @Option(names = "--guidance", paramLabel = "G", description = "classifier-free guidance scale (default: the model's)")
    Double guidance;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "1", description = "timed runs per policy, interleaved; medians (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--probe-every", paramLabel = "N", defaultValue = "2",
            description = "probed runs check every layer of every N-th step (and the last) against dense (default ${DEFAULT-VALUE})")
    int probeEvery;

    @Option(names = "--no-probe", description = "skip the probed runs (no error per layer)")
    boolean noProbe;

    @Option(names = "--target-speedup", paramLabel = "X", defaultValue = "1.8", description = "goal: end-to-end speedup (default ${DEFAULT-VALUE})")
    double targetSpeedup;

    @Option(names = "--target-psnr", paramLabel = "DB", defaultValue = "28", description = "goal: mean PSNR vs dense (default ${DEFAULT-VALUE})")
    double targetPsnr;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL, description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--threads", paramLabel = "T", description = "ONNX Runtime threads, 1..processors (default: every core)")
    Integer threadsOption;

    @Override
    public Integer call() {
        int threads = OptionChecks.threads(threadsOption);
        OptionChecks.prompt(prompt);
        for (String a : attention) OptionChecks.policy("--attention", a);
        if (probeEvery < 1) throw new IllegalArgumentException("--probe-every " + probeEvery + " must be >= 1");
        checkOut(out);
        List<String> policies = new java.util.ArrayList<>();
        for (String sc : stepCaches == null || stepCaches.isEmpty() ? List.of("none") : stepCaches) {
            io.tilewise.pipeline.stepcache.StepCachePolicy.parse(sc);
            for (String p : PolicyList.splitAll(attention)) policies.add(CompareRequest.label(p, sc));
        }
        Path dir = ModelLocations.resolve(model);
        ModelCard config = ModelFolders.card(dir);
        GenerationDefaults d = config.defaults();
        GenerationRequest base = GenerationRequest.defaults(config, prompt).withSize(or(frames, d.frames()), or(height, d.height()), or(width, d.width()))
                .withSteps(or(steps, d.steps())).withGuidance(guidance == null ? d.guidance() : guidance).withSeed(seed);
        CompareRequest request = new CompareRequest(base, policies, repeats, noProbe ? null : ProbeSampler.every(probeEvery),
                new CompareRequest.Targets(targetSpeedup, targetPsnr));
        if (request.policies().isEmpty()) throw new IllegalArgumentException("--attention lists no policy other than dense (and no --step-cache is given)");
        Pipeline.Options options = threads == 0 ? Pipeline.Options.defaults()
                : new Pipeline.Options(threads, Pipeline.Options.defaults().kernels());
        int n = request.runOrder().size();
        int total = n + repeats * n + (noProbe ? 0 : n - 1) + (n - 1);
        ComparisonResult result = Comparison.run(request, o -> Pipeline.open(dir, o), options, progress(total));
        List<Path> written = ComparisonReport.write(result, out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(ComparisonMarkdown.summary(result));
        for (MethodOutcome m : result.methods()) {
            stdout.printf(Locale.ROOT, "%s: %s%n", m.run().policy(), String.join("; ", m.diagnosis().findings()));
        }
        stdout.printf("wrote %d files to %s (open %s)%n", written.size(), out, out.resolve("report.html"));
        stdout.flush();
        return 0;
    }

    /** A directory we may write into: absent (its parent must exist) or an existing directory. */
    static void checkOut(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; expected a directory");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (!Files.exists(out) && parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out " + out + ": directory " + parent + " does not exist");
        }
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** Numbered status lines on a terminal; nothing in pipes and CI. */
    private java.util.function.Consumer<String> progress(int total) {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return line -> { };
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        int[] done = {0};
        return line -> {
            done[0]++;
            err.printf(Locale.ROOT, "[%d/%d %.0f s] %s%n", done[0], total, (System.nanoTime() - start) / 1e9, line);
            err.flush();
        };
    }
}
