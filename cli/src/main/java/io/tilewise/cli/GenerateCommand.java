package io.tilewise.cli;

import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.run.InitialNoise;
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
import java.nio.file.Files;
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

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0",
            description = "noise seed (default ${DEFAULT-VALUE}); Tilewise's own draw, not PyTorch's (--noise reproduces a PyTorch run)")
    long seed;

    @Option(names = "--negative-prompt", paramLabel = "TEXT", defaultValue = "",
            description = "the unconditional branch's prompt with guidance (default: empty)")
    String negativePrompt;

    @Option(names = "--noise", paramLabel = "FILE",
            description = "initial latents (.npy) in the model's own layout instead of seeded noise, e.g. a PyTorch run's z0 "
                    + "(Wan: float32 [1, 16, (F-1)/4+1, H/8, W/8])")
    Path noise;

    @Option(names = "--scheduler", paramLabel = "NAME",
            description = "the model's sampler by name (Wan: unipc or euler; default: the model folder's scheduler)")
    String scheduler;

    @Option(names = "--fps", paramLabel = "F", defaultValue = "8", description = "frames per second of GIF/MP4 (default ${DEFAULT-VALUE})")
    double fps;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1",
            description = "enlarge the written frames N times, pixel by pixel (1..16, default ${DEFAULT-VALUE}); the measurements use the model's size")
    int scale;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "clip.mp4",
            description = "output: .mp4 (H.264), .webm (VP9), .gif, .png (one frame, or name_0000.png per frame) or .npy "
                    + "(float32 frames [F, H, W, 3] in [0, 1]) (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL,
            description = "model directory or name (default ${DEFAULT-VALUE}); see tilewise models")
    String model;

    @Option(names = "--threads", paramLabel = "T",
            description = "threads for ONNX Runtime and our attention kernels alike, 1..processors (default: every core)")
    Integer threadsOption;

    @Option(names = "--backend", paramLabel = "auto|cpu|tornado", defaultValue = "auto", converter = Converters.BackendConverter.class,
            description = "where attention runs (default ${DEFAULT-VALUE}: TornadoVM when installed with a device, else the CPU)")
    Backend backend;

    @Option(names = "--device", paramLabel = "cpu|cuda", defaultValue = "cpu", converter = Converters.StageDeviceConverter.class,
            description = "where the ONNX Runtime stages run (default ${DEFAULT-VALUE}; cuda needs the -P cuda build, "
                    + "else falls back to the CPU and says why)")
    StageDevice device;

    @Option(names = "--stage-precision", paramLabel = "fp32|int8", defaultValue = "fp32",
            converter = Converters.StagePrecisionConverter.class,
            description = "weight products of the transformer blocks (default ${DEFAULT-VALUE}, exact); int8: 8-bit "
                    + "weights and activations in blocks of 128 (ONNX Runtime MatMulNBits), about 2x faster products, not exact")
    io.tilewise.pipeline.onnx.StagePrecision precision;
    @Option(names = "--stream", description = "block-causal models: denoise chunk by chunk with a key/value cache; an MP4 is "
            + "encoded as chunks finish (renamed into place at the end); videos may be longer than the model's clips")
    boolean stream;

    @Option(names = "--window", paramLabel = "CHUNKS", defaultValue = "0",
            description = "with --stream: earlier chunks kept in the key/value cache (default: the model's clip length)")
    int window;
    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "refuse a generation whose estimated memory is larger, e.g. 4g (default: 80%% of the max heap + the off-heap budget)")
    io.tilewise.attention.memory.MemoryLimit memoryLimit;

    @Override
    public Integer call() throws Exception {
        OptionChecks.prompt(prompt);
        OptionChecks.policy("--attention", policy);
        OptionChecks.fps(fps);
        int threads = OptionChecks.threads(threadsOption);
        if (scale < 1 || scale > Video.MAX_SCALE) throw new IllegalArgumentException("--scale " + scale + " must be in 1.." + Video.MAX_SCALE);
        if (scale > 1 && stream) throw new IllegalArgumentException("--scale " + scale + " is not available with --stream (chunks are written as they finish)");
        VideoWriters.checkTarget(out);
        Path dir = ModelLocations.resolve(model);
        PrintWriter stdout = spec.commandLine().getOut();
        Pipeline.Options options = (threads == 0 ? Pipeline.Options.defaults()
                : new Pipeline.Options(threads, Pipeline.Options.defaults().kernels())).withBackend(backend).withDevice(device).withMemoryLimit(memoryLimit)
                .withPrecision(precision);
        InitialNoise initial = null;
        if (noise != null) {
            if (!Files.isRegularFile(noise)) throw new IllegalArgumentException("--noise " + noise + ": file does not exist");
            NpyArray z0 = Npy.read(noise);
            initial = new InitialNoise(z0.shape(), z0.data());
        }
        if (stream && ModelFolders.card(dir).causalChunkFrames() <= 0) {
            throw new IllegalArgumentException("--stream needs a block-causal model (such as tiny-t2v-causal); " + dir.getFileName()
                    + " (" + ModelFolders.familyOf(dir).id() + ") attends over the whole clip at once");
        }
        boolean terminal = terminal();
        long loadStart = System.nanoTime();
        if (terminal) {
            spec.commandLine().getErr().printf("loading %s …%n", dir);
            spec.commandLine().getErr().flush();
        }
        try (Pipeline pipeline = Pipeline.open(dir, options)) {
            if (terminal) {
                spec.commandLine().getErr().printf(Locale.ROOT, "loaded in %.1f s%n", (System.nanoTime() - loadStart) / 1e9);
            }
            GenerationDefaults d = pipeline.card().defaults();
            GenerationRequest request = GenerationRequest.defaults(pipeline.card(), prompt)
                    .withSize(or(frames, d.frames()), or(height, d.height()), or(width, d.width())).withSteps(or(steps, d.steps()))
                    .withGuidance(guidance == null ? d.guidance() : guidance).withSeed(seed).withPolicy(policy)
                    .withNegativePrompt(negativePrompt).withNoise(initial).withScheduler(scheduler).withStepCache(stepCache);
            // Said before a long run; LibraryWarnings prints each message once (the loop logs it again).
            for (String warning : pipeline.model().promptWarnings(prompt)) LibraryWarnings.report(spec.commandLine().getErr(), warning);
            Streamed streamed = stream ? streamed(pipeline, request) : null;
            GenerationResult result = stream ? streamed.result() : pipeline.generate(request, progressBar());
            for (String w : result.warnings()) LibraryWarnings.report(spec.commandLine().getErr(), w);   // e.g. nonfinite=dense fallbacks
            List<Path> written = stream && streamed.written() != null ? streamed.written() : VideoWriters.write(result.video().upscaled(scale), out, fps);
            int tokens = result.attentionCalls().isEmpty() ? 0 : pipeline.model().layout(request.frames(), request.height(), request.width()).grid().volume();
            stdout.printf(Locale.ROOT, "%s: %d frames of %dx%d px, %d video tokens, %d steps, policy %s%n",
                    dir.getFileName(), result.video().frames(), request.width(), request.height(), tokens, request.steps(), result.policy());
            stdout.printf(Locale.ROOT, "time: %s; mean executed attention density %.3f%n", result.timings(), result.meanExecutedDensity());
            if (!result.stepCache().spec().equals("none")) stdout.printf("%s%n", result.stepCache());
            stdout.printf("%s; %s%s%n", pipeline.backend().describe(), pipeline.stageProvider().describe(), precision.describe());
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

    private static boolean terminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** A one-line progress bar on a terminal for the steps and the model's other long phases; nothing in pipes and CI. */
    private StepListener progressBar() {
        if (!terminal()) return StepListener.NONE;
        PrintWriter err = spec.commandLine().getErr();
        return new StepListener() {
            @Override
            public void onStep(StepProgress p) {
                bar(err, p);
            }

            @Override
            public void onPhase(String phase, int done, int total, long elapsedNanos) {
                err.printf(Locale.ROOT, "\r%s %d/%d  %.1f s", phase, done, total, elapsedNanos / 1e9);
                if (done == total) err.println();
                err.flush();
            }
        };
    }

    private static void bar(PrintWriter err, StepListener.StepProgress p) {
        int done = p.step() + 1;
        int width = 30;
        int filled = done * width / p.totalSteps();
        // the rate counts the steps alone: text encoding before step 1 would inflate every ETA
        double seconds = p.denoiseNanos() / 1e9;
        double eta = seconds / done * (p.totalSteps() - done);
        err.printf(Locale.ROOT, "\r[%s%s] step %d/%d  %.1f s (%.1f s/step)  eta %.1f s", "#".repeat(filled),
                ".".repeat(width - filled), done, p.totalSteps(), seconds, seconds / done, eta);
        if (done == p.totalSteps()) err.println();
        err.flush();
    }
}
