package io.tilewise.cli;

import io.tilewise.attention.backend.Backend;
import io.tilewise.pipeline.io.Mp4StreamWriter;
import io.tilewise.pipeline.io.VideoWriters;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StepListener;
import io.tilewise.pipeline.run.StreamListener;
import io.tilewise.pipeline.run.StreamOptions;
import io.tilewise.pipeline.run.Video;
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

    @Option(names = "--step-cache", paramLabel = "SPEC", defaultValue = "none",
            description = "step cache: none, fbcache:threshold=0.08,warmup=2,max_skip=3, taylor:order=2,…, magcache:plan=FILE,… (default ${DEFAULT-VALUE})")
    String stepCache;

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

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1",
            description = "enlarge the written frames N times, pixel by pixel (1..16, default ${DEFAULT-VALUE}); the measurements use the model's size")
    int scale;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "clip.mp4",
            description = "output: .mp4, .gif, or .png (one frame, or name_0000.png per frame) (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL,
            description = "model directory or name (default ${DEFAULT-VALUE}); see tilewise models")
    String model;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "0",
            description = "threads for ONNX Runtime and our attention kernels alike (default: every core)")
    int threads;

    @Option(names = "--backend", paramLabel = "auto|cpu|tornado", defaultValue = "auto", converter = Converters.BackendConverter.class,
            description = "where attention runs (default ${DEFAULT-VALUE}: TornadoVM when installed with a device, else the CPU)")
    Backend backend;

    @Option(names = "--device", paramLabel = "cpu|cuda", defaultValue = "cpu", converter = Converters.StageDeviceConverter.class,
            description = "where the ONNX Runtime stages run (default ${DEFAULT-VALUE}; cuda needs the -P cuda build, "
                    + "else falls back to the CPU and says why)")
    StageDevice device;
    @Option(names = "--stream", description = "block-causal models: denoise chunk by chunk with a key/value cache; an MP4 is "
            + "encoded as chunks finish (renamed into place at the end); videos may be longer than the model's clips")
    boolean stream;

    @Option(names = "--window", paramLabel = "CHUNKS", defaultValue = "0",
            description = "with --stream: earlier chunks kept in the key/value cache (default: the model's clip length)")
    int window;
    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "refuse a generation whose estimated memory is larger, e.g. 4g (default: 80%% of the max heap + the off-heap budget)")
    io.tilewise.attention.memory.MemoryLimit memoryLimit;

    /** The pipeline logs prompt warnings too; the command prints them itself, once, in its own format. */
    private static final java.util.logging.Logger PIPELINE_LOG = java.util.logging.Logger.getLogger(Pipeline.class.getName());

    @Override
    public Integer call() throws Exception {
        PIPELINE_LOG.setLevel(java.util.logging.Level.SEVERE);
        if (!(fps > 0)) throw new IllegalArgumentException("--fps " + fps + " must be > 0");
        if (threads < 0) throw new IllegalArgumentException("--threads " + threads + " must be >= 0");
        if (scale < 1 || scale > Video.MAX_SCALE) throw new IllegalArgumentException("--scale " + scale + " must be in 1.." + Video.MAX_SCALE);
        if (scale > 1 && stream) throw new IllegalArgumentException("--scale " + scale + " is not available with --stream (chunks are written as they finish)");
        VideoWriters.checkTarget(out);
        Path dir = ModelLocations.resolve(model);
        PrintWriter stdout = spec.commandLine().getOut();
        Pipeline.Options options = (threads == 0 ? Pipeline.Options.defaults()
                : new Pipeline.Options(threads, Pipeline.Options.defaults().kernels())).withBackend(backend).withDevice(device).withMemoryLimit(memoryLimit);
        try (Pipeline pipeline = Pipeline.open(dir, options)) {
            GenerationDefaults d = pipeline.card().defaults();
            GenerationRequest request = new GenerationRequest(prompt, or(frames, d.frames()), or(height, d.height()),
                    or(width, d.width()), or(steps, d.steps()), guidance == null ? d.guidance() : guidance, d.shift(), seed, policy, stepCache);
            for (String warning : pipeline.model().promptWarnings(prompt)) {
                spec.commandLine().getErr().println("tilewise generate: warning: " + warning);
            }
            Streamed streamed = stream ? streamed(pipeline, request) : null;
            GenerationResult result = stream ? streamed.result() : pipeline.generate(request, progressBar());
            List<Path> written = stream && streamed.written() != null ? streamed.written() : VideoWriters.write(result.video().upscaled(scale), out, fps);
            int tokens = result.attentionCalls().isEmpty() ? 0 : pipeline.model().layout(request.frames(), request.height(), request.width()).grid().volume();
            stdout.printf(Locale.ROOT, "%s: %d frames of %dx%d px, %d video tokens, %d steps, policy %s%n",
                    dir.getFileName(), request.frames(), request.width(), request.height(), tokens, request.steps(), result.policy());
            stdout.printf(Locale.ROOT, "time: %s; mean executed attention density %.3f%n", result.timings(), result.meanExecutedDensity());
            if (!result.stepCache().spec().equals("none")) stdout.printf("%s%n", result.stepCache());
            stdout.printf("%s; %s%n", pipeline.backend().describe(), pipeline.stageProvider().describe());
            for (String fallback : pipeline.backend().fallbacks()) stdout.printf("note: %s%n", fallback);
            if (stream) {
                stdout.printf(Locale.ROOT, "stream: first chunk (%d frames) after %.1f s of %.1f s; key/value cache and cached attention %.1f MB%n",
                        streamed.firstFrames(), streamed.firstChunkNanos() / 1e9, result.timings().total() / 1e9, streamed.peakCacheBytes() / 1e6);
            } else if (pipeline.attentionStateBytes() > 0) {
                stdout.printf(Locale.ROOT, "cached attention parts: %.1f MB%n", pipeline.attentionStateBytes() / 1e6);
            }
            stdout.printf("wrote %s%n", written.size() == 1 ? written.get(0) : written.get(0) + " … " + written.get(written.size() - 1));
        }
        return 0;
    }

    /** A streaming generation: its result, the files written (null: write after), first-chunk time, peak cache bytes. */
    private record Streamed(GenerationResult result, List<Path> written, long firstChunkNanos, int firstFrames, long peakCacheBytes) {
    }

    /** Streams chunks into an MP4 as they finish; other formats are written after the last chunk. */
    private Streamed streamed(Pipeline pipeline, GenerationRequest request) {
        if (window < 0) throw new IllegalArgumentException("--window " + window + " must be >= 0 chunks (0 = the model's default)");
        StreamOptions options = new StreamOptions(window);
        long[] first = {-1, 0};
        long[] peak = {0};
        GenerationResult[] result = new GenerationResult[1];
        StreamListener track = c -> {
            if (first[0] < 0) {
                first[0] = c.elapsedNanos();
                first[1] = c.frames().frames();
            }
            peak[0] = Math.max(peak[0], c.cacheBytes());
        };
        boolean mp4 = out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp4");
        if (mp4) {
            Mp4StreamWriter.write(out, request.width(), request.height(), fps, sink ->
                    result[0] = pipeline.generateStreaming(request, options, c -> {
                        track.onChunk(c);
                        sink.add(c.frames());
                    }, progressBar()));
            return new Streamed(result[0], List.of(out), first[0], (int) first[1], peak[0]);
        }
        result[0] = pipeline.generateStreaming(request, options, track, progressBar());
        return new Streamed(result[0], null, first[0], (int) first[1], peak[0]);
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
