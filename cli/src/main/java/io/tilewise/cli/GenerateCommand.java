package io.tilewise.cli;

import io.tilewise.pipeline.io.VideoWriters;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StepListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tilewise generate}: a video (or image) from a prompt with a chosen attention policy. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate a video or image from a prompt with the bundled model (or --model).",
                "--attention takes a policy: method specs with optional conditions, first match wins, e.g. "
                        + "'dense@steps<4;radial:decay=0.2' or 'dense@layers=0;gna:window=4x8x8'."})
final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "e.g. \"a red circle moving right on a blue background\"")
    String prompt;

    @Option(names = "--attention", paramLabel = "POLICY", defaultValue = "dense", description = "attention policy (default ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--frames", paramLabel = "N", description = "frames (default: the model's; 1 = image)")
    Integer frames;

    @Option(names = "--height", paramLabel = "PX", description = "height in pixels (default: the model's)")
    Integer height;

    @Option(names = "--width", paramLabel = "PX", description = "width in pixels (default: the model's)")
    Integer width;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's)")
    Integer steps;

    @Option(names = "--guidance", paramLabel = "G", description = "classifier-free guidance scale (default: the model's; 1 = off)")
    Double guidance;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0", description = "noise seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--fps", paramLabel = "F", defaultValue = "8", description = "frames per second of GIF/MP4 (default ${DEFAULT-VALUE})")
    double fps;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "clip.mp4",
            description = "output: .mp4, .gif, or .png (one frame, or name_0000.png per frame) (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL,
            description = "model directory or name (default ${DEFAULT-VALUE}); see tilewise models")
    String model;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "0",
            description = "threads for ONNX Runtime and our attention kernels alike (default: every core)")
    int threads;

    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "refuse a generation whose estimated memory is larger, e.g. 4g (default: 80% of the max heap + the off-heap budget)")
    io.tilewise.attention.memory.MemoryLimit memoryLimit;

    /** The pipeline logs prompt warnings too; the command prints them itself, once, in its own format. */
    private static final java.util.logging.Logger PIPELINE_LOG = java.util.logging.Logger.getLogger(Pipeline.class.getName());

    @Override
    public Integer call() throws Exception {
        PIPELINE_LOG.setLevel(java.util.logging.Level.SEVERE);
        if (!(fps > 0)) throw new IllegalArgumentException("--fps " + fps + " must be > 0");
        if (threads < 0) throw new IllegalArgumentException("--threads " + threads + " must be >= 0");
        VideoWriters.checkTarget(out);
        Path dir = ModelLocations.resolve(model);
        PrintWriter stdout = spec.commandLine().getOut();
        Pipeline.Options options = (threads == 0 ? Pipeline.Options.defaults()
                : new Pipeline.Options(threads, Pipeline.Options.defaults().kernels())).withMemoryLimit(memoryLimit);
        try (Pipeline pipeline = Pipeline.open(dir, options)) {
            ModelConfig.Defaults d = pipeline.config().defaults();
            GenerationRequest request = new GenerationRequest(prompt, or(frames, d.frames()), or(height, d.height()),
                    or(width, d.width()), or(steps, d.steps()), guidance == null ? d.guidance() : guidance, d.shift(), seed, policy);
            String warning = pipeline.tokenizer().encode(prompt).warning(pipeline.tokenizer().vocab());
            if (warning != null) spec.commandLine().getErr().println("tilewise generate: warning: " + warning);
            GenerationResult result = pipeline.generate(request, progressBar());
            List<Path> written = VideoWriters.write(result.video(), out, fps);
            int tokens = result.attentionCalls().isEmpty() ? 0 : tokenCount(request, pipeline.config());
            stdout.printf(Locale.ROOT, "%s: %d frames of %dx%d px, %d video tokens, %d steps, policy %s%n",
                    dir.getFileName(), request.frames(), request.width(), request.height(), tokens, request.steps(), result.policy());
            stdout.printf(Locale.ROOT, "time: %s; mean executed attention density %.3f%n", result.timings(), result.meanExecutedDensity());
            stdout.printf("wrote %s%n", written.size() == 1 ? written.get(0) : written.get(0) + " … " + written.get(written.size() - 1));
        }
        return 0;
    }

    private static int tokenCount(GenerationRequest r, ModelConfig c) {
        return (r.frames() / c.patch()[0]) * (r.height() / c.patch()[1]) * (r.width() / c.patch()[2]);
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** A one-line progress bar on a terminal; nothing in pipes and CI. */
    private StepListener progressBar() {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return StepListener.NONE;
        PrintWriter err = spec.commandLine().getErr();
        return p -> {
            int done = p.step() + 1;
            int width = 30;
            int filled = done * width / p.totalSteps();
            double seconds = p.elapsedNanos() / 1e9;
            double eta = seconds / done * (p.totalSteps() - done);
            err.printf(Locale.ROOT, "\r[%s%s] step %d/%d  %.1f s  eta %.1f s", "#".repeat(filled), ".".repeat(width - filled),
                    done, p.totalSteps(), seconds, eta);
            if (done == p.totalSteps()) err.println();
            err.flush();
        };
    }
}
