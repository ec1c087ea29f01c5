package io.tilewise.examples;

import io.tilewise.pipeline.io.Mp4StreamWriter;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StepListener;
import io.tilewise.pipeline.run.StreamOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a media app streams with a block-causal model: chunks arrive as soon as they are denoised — shown (here:
 * printed) and encoded into an MP4 while the rest is generated — with FlashBlock caching the attention to earlier
 * chunks. The clip may be longer than the model's training clips; the key/value cache keeps the last chunks.
 *
 * <pre>java … io.tilewise.examples.StreamingExample MODEL_DIR OUT.mp4 [FRAMES] [STEPS]</pre>
 */
public final class StreamingExample {

    private StreamingExample() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: StreamingExample MODEL_DIR OUT.mp4 [FRAMES] [STEPS]");
            System.exit(2);
        }
        Path out = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(out.getParent());
        try (Pipeline pipeline = Pipeline.open(Path.of(args[0]))) {
            GenerationRequest d = GenerationRequest.defaults(pipeline.card(), "a yellow triangle moving left on a gray background");
            int frames = args.length > 2 ? Integer.parseInt(args[2]) : 2 * d.frames();
            int steps = args.length > 3 ? Integer.parseInt(args[3]) : d.steps();
            GenerationRequest request = d.withFrames(frames).withSteps(steps).withSeed(7)
                    .withPolicy("flashblock:tau=3,drift=0.1,context=4");   // the setting measured for the bundled causal model
            GenerationResult[] result = new GenerationResult[1];
            Mp4StreamWriter.write(out, request.width(), request.height(), 8, sink ->
                    result[0] = pipeline.generateStreaming(request, StreamOptions.defaults(), chunk -> {
                        sink.add(chunk.frames());   // encode now; a player could show chunk.frames() here
                        System.out.printf(Locale.ROOT, "chunk %d/%d: frames %d..%d ready after %.2f s%n", chunk.index() + 1,
                                chunk.chunks(), chunk.firstFrame(), chunk.firstFrame() + chunk.frames().frames() - 1,
                                chunk.elapsedNanos() / 1e9);
                    }, StepListener.NONE));
            System.out.printf(Locale.ROOT, "%s: %s%n", args[1], result[0].timings());
        }
    }
}
