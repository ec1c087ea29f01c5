package io.tilewise.pipeline.manual;

import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StreamListener;
import io.tilewise.pipeline.run.StreamOptions;
import io.tilewise.pipeline.run.Video;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Manual measurements of issue 7 (not a test; run through scripts/measure-caches). Variants are interleaved
 * (A, B, A, B …) in one JVM and reported as ratios; PSNR is on the decoded RGB frames ({@code 10·log10(1/MSE)} over
 * values in [0, 1] of the frames concerned together; identical frames count as 100 dB).
 *
 * <pre>
 *   ttfc       MODEL FRAMES STEPS ROUNDS          streaming time to first chunk vs full-clip time (dense)
 *   flashblock MODEL FRAMES STEPS ROUNDS TAU|POLICY...  streaming: attention time at chunks with >= 4 chunks of
 *                                                 context and PSNR, flashblock:tau=N (or a policy) vs the uncached
 *                                                 block-causal run
 *   residual   MODEL FRAMES STEPS ROUNDS SPEC...  bidirectional: SPEC alone and cache(tau=3):SPEC, PSNR vs dense
 * </pre>
 */
public final class CacheMeasurements {

    /** The prompt and seed; environment variables TILEWISE_PROMPT and TILEWISE_SEED override them. */
    private static final String PROMPT = System.getenv().getOrDefault("TILEWISE_PROMPT", "a red circle moving right on a blue background");
    private static final long SEED = Long.parseLong(System.getenv().getOrDefault("TILEWISE_SEED", "1"));

    public static void main(String[] args) {
        String mode = args[0];
        Path model = Path.of(args[1]);
        int frames = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        List<String> rest = Arrays.asList(args).subList(5, args.length);
        try (Pipeline pipeline = Pipeline.open(model)) {
            var d = pipeline.config().defaults();
            GenerationRequest base = GenerationRequest.defaults(pipeline.config(), PROMPT).withFrames(frames).withSteps(steps).withSeed(SEED);
            System.out.printf(Locale.ROOT, "\"%s\", seed %d; model %s (causal_chunk_frames %d), %d frames of %dx%d, %d steps, %d rounds, %d cores%n",
                    PROMPT, SEED, pipeline.config().modelId(), pipeline.config().causalChunkFrames(), frames, d.width(), d.height(), steps, rounds,
                    Runtime.getRuntime().availableProcessors());
            switch (mode) {
                case "ttfc" -> ttfc(pipeline, base, rounds);
                case "flashblock" -> flashblock(pipeline, base, rounds, rest);
                case "residual" -> residual(pipeline, base, rounds, rest);
                default -> throw new IllegalArgumentException("mode " + mode + " must be ttfc, flashblock or residual");
            }
        }
    }

    /** A streaming run with its chunks. */
    private record Streamed(GenerationResult result, List<StreamListener.Chunk> chunks) {
    }

    private static Streamed stream(Pipeline pipeline, GenerationRequest request) {
        List<StreamListener.Chunk> chunks = new ArrayList<>();
        GenerationResult r = pipeline.generateStreaming(request, StreamOptions.defaults(), chunks::add, null);
        return new Streamed(r, chunks);
    }

    private static void ttfc(Pipeline pipeline, GenerationRequest base, int rounds) {
        stream(pipeline, oneStep(base));   // warm-up: JIT, ORT sessions
        double[] first = new double[rounds], total = new double[rounds], full = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Streamed s = stream(pipeline, base);
            GenerationResult f = pipeline.generate(base);
            first[r] = s.chunks().getFirst().elapsedNanos() / 1e9;
            total[r] = s.result().timings().total() / 1e9;
            full[r] = f.timings().total() / 1e9;
            System.out.printf(Locale.ROOT, "round %d: streaming first chunk (%d frames) %.2f s, streaming total %.2f s; full-clip (all chunks together) %.2f s%n",
                    r, s.chunks().getFirst().frames().frames(), first[r], total[r], full[r]);
        }
        System.out.printf(Locale.ROOT, "median: first chunk %.2f s = %.1f%% of the streaming total %.2f s and %.1f%% of the full-clip time %.2f s%n",
                median(first), 100 * median(first) / median(total), median(total), 100 * median(first) / median(full), median(full));
    }

    private static void flashblock(Pipeline pipeline, GenerationRequest base, int rounds, List<String> taus) {
        int chunkFrames = pipeline.config().causalChunkFrames();
        int minContext = 4 * chunkFrames;
        stream(pipeline, oneStep(base));
        List<String> policies = new ArrayList<>(List.of("dense"));
        for (String tau : taus) policies.add(tau.matches("\\d+") ? "flashblock:tau=" + tau : tau);
        double[][] late = new double[policies.size()][rounds];
        double[] lateWork = new double[policies.size()];
        double[][] all = new double[policies.size()][rounds];
        Video reference = null;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < policies.size(); i++) {
                Streamed s = stream(pipeline, base.withPolicy(policies.get(i)));
                // late chunks: attention time, (query, key) pairs computed (executed density × chunk·(chunk + context)
                // pairs) and the calls split into refreshing (density 1) and reusing ones: count, nanos each
                int chunkTokens = chunkFrames * base.height() / pipeline.config().patch()[1] * base.width() / pipeline.config().patch()[2];
                int callsPerChunk = base.steps() * pipeline.config().blocks() * (base.usesGuidance() ? 2 : 1);
                long lateNanos = 0;
                int lateChunks = 0;
                double work = 0;
                long[] split = new long[4];
                for (StreamListener.Chunk c : s.chunks()) {
                    if (c.contextFrames() < minContext) continue;
                    lateNanos += c.attentionNanos();
                    lateChunks++;
                    double pairs = (double) chunkTokens * (chunkTokens + (double) c.contextFrames() / chunkFrames * chunkTokens);
                    for (int k = 0; k < callsPerChunk; k++) {
                        var call = s.result().attentionCalls().get(c.index() * callsPerChunk + k);
                        work += pairs * call.executedDensity();
                        int at = call.executedDensity() > 0.999 ? 0 : 2;
                        split[at]++;
                        split[at + 1] += call.nanos();
                    }
                }
                late[i][r] = lateNanos / 1e9;
                lateWork[i] = work;
                System.out.printf(Locale.ROOT, "  late calls: %d computing the external part (mean %.2f ms), %d reusing it (mean %.2f ms)%n",
                        split[0], split[1] / 1e6 / Math.max(1, split[0]), split[2], split[3] / 1e6 / Math.max(1, split[2]));
                all[i][r] = s.chunks().stream().mapToLong(StreamListener.Chunk::attentionNanos).sum() / 1e9;
                if (i == 0 && reference == null) reference = s.result().video();
                int firstLate = s.chunks().stream().filter(c -> c.contextFrames() >= minContext).mapToInt(StreamListener.Chunk::firstFrame).min().orElse(base.frames());
                long held = s.chunks().stream().mapToLong(StreamListener.Chunk::cacheBytes).max().orElse(0);
                System.out.printf(Locale.ROOT, "round %d %-34s attention %.2f s at %d chunks with >= %d context frames (%.2f s all chunks); "
                                + "PSNR vs uncached %.2f dB (all frames), %.2f dB (frames >= %d), per chunk %s; cache %.1f MB; total %.1f s%n",
                        r, policies.get(i), late[i][r], lateChunks, minContext, all[i][r], psnr(reference, s.result().video(), 0, base.frames()),
                        psnr(reference, s.result().video(), firstLate, base.frames()), firstLate, perChunk(reference, s.result().video(), chunkFrames),
                        held / 1e6, s.result().timings().total() / 1e9);
            }
        }
        for (int i = 1; i < policies.size(); i++) {
            System.out.printf(Locale.ROOT, "%s: attention time at >= 4 chunks of context, uncached / cached = %.2fx (median %.2f s vs %.2f s); "
                            + "attention work (pairs computed) %.2fx; all chunks %.2fx%n",
                    policies.get(i), median(late[0]) / median(late[i]), median(late[0]), median(late[i]), lateWork[0] / lateWork[i],
                    median(all[0]) / median(all[i]));
        }
    }

    private static void residual(Pipeline pipeline, GenerationRequest base, int rounds, List<String> specs) {
        pipeline.generate(oneStep(base));
        Video dense = null;
        List<String> policies = new ArrayList<>(List.of("dense"));
        for (String spec : specs) {
            policies.add(spec);
            policies.add("cache(tau=3):" + spec);
        }
        double[][] time = new double[policies.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < policies.size(); i++) {
                GenerationResult g = pipeline.generate(base.withPolicy(policies.get(i)));
                if (i == 0 && dense == null) dense = g.video();
                time[i][r] = g.timings().attention() / 1e9;
                System.out.printf(Locale.ROOT, "round %d %-45s PSNR vs dense %6.2f dB (min frame %6.2f), mean executed density %.3f, attention %.2f s, total %.1f s%n",
                        r, policies.get(i), psnr(dense, g.video(), 0, g.video().frames()), minPsnr(dense, g.video()), g.meanExecutedDensity(),
                        time[i][r], g.timings().total() / 1e9);
            }
        }
        for (int i = 1; i < policies.size(); i++) {
            System.out.printf(Locale.ROOT, "%-45s attention time vs dense %.2fx%n", policies.get(i), median(time[0]) / median(time[i]));
        }
    }

    private static GenerationRequest oneStep(GenerationRequest r) {
        return r.withSteps(1);
    }

    /** PSNR of frames {@code from..to-1} together: {@code 10·log10(1/MSE)} over all their RGB values (capped at 100 dB). */
    static double psnr(Video a, Video b, int from, int to) {
        int size = a.height() * a.width() * 3;
        double mse = 0;
        for (int i = from * size; i < to * size; i++) {
            double d = Math.clamp(a.rgb()[i], 0f, 1f) - Math.clamp(b.rgb()[i], 0f, 1f);
            mse += d * d;
        }
        mse /= Math.max(1, (long) (to - from) * size);
        return mse == 0 ? 100 : Math.min(100, 10 * Math.log10(1 / mse));
    }

    private static String perChunk(Video a, Video b, int chunkFrames) {
        StringBuilder sb = new StringBuilder("[");
        for (int f = 0; f < a.frames(); f += chunkFrames) {
            sb.append(String.format(Locale.ROOT, "%s%.1f", f == 0 ? "" : " ", psnr(a, b, f, Math.min(a.frames(), f + chunkFrames))));
        }
        return sb.append("]").toString();
    }

    static double minPsnr(Video a, Video b) {
        double min = Double.POSITIVE_INFINITY;
        for (int f = 0; f < a.frames(); f++) min = Math.min(min, framePsnr(a, b, f));
        return min;
    }

    static double framePsnr(Video a, Video b, int f) {
        int size = a.height() * a.width() * 3;
        double mse = 0;
        for (int i = f * size; i < (f + 1) * size; i++) {
            double d = Math.clamp(a.rgb()[i], 0f, 1f) - Math.clamp(b.rgb()[i], 0f, 1f);
            mse += d * d;
        }
        mse /= size;
        return mse == 0 ? 100 : Math.min(100, 10 * Math.log10(1 / mse));
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
