package io.tilewise.examples;

import io.tilewise.pipeline.io.VideoWriters;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How a media app uses Tilewise: load the model once, generate clips on a worker thread with a progress callback,
 * compare a dense and a sparse attention policy, and write MP4s.
 *
 * <pre>java … io.tilewise.examples.MediaAppExample MODEL_DIR OUT_DIR [STEPS]</pre>
 */
public final class MediaAppExample {

    private MediaAppExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MediaAppExample MODEL_DIR OUT_DIR [STEPS]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        Path out = Files.createDirectories(Path.of(args[1]));
        Integer steps = args.length > 2 ? Integer.valueOf(args[2]) : null;
        List<String> policies = List.of("dense", "dense@steps<4;radial:decay=0.2,block=64");

        // One pipeline for the app's lifetime: loading builds the ONNX Runtime sessions once.
        try (Pipeline pipeline = Pipeline.open(model);
             ExecutorService worker = Executors.newSingleThreadExecutor()) {
            for (int i = 0; i < policies.size(); i++) {
                String policy = policies.get(i);
                GenerationRequest defaults = GenerationRequest.defaults(pipeline.card(), "a red circle moving right on a blue background");
                GenerationRequest request = defaults.withSteps(steps == null ? defaults.steps() : steps).withSeed(7).withPolicy(policy);
                // Generation blocks; the UI thread stays free and hears about progress through the callback.
                Future<GenerationResult> clip = worker.submit(() -> pipeline.generate(request, p ->
                        System.out.printf(Locale.ROOT, "  [%s] step %d/%d%n", policy, p.step() + 1, p.totalSteps())));
                GenerationResult result = clip.get();
                Path file = out.resolve("clip-" + i + ".mp4");
                VideoWriters.write(result.video(), file, 8);
                System.out.printf(Locale.ROOT, "%s -> %s (%s, executed attention density %.3f)%n", policy, file,
                        result.timings(), result.meanExecutedDensity());
            }
        }
    }
}
