package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Trains the bundled tiny DiT (run through scripts/train-tiny-model). Mixed sizes (1/4/8/16 frames at 32×32,
 * 1/4 frames at 64×64, batch sized to ~4k tokens per step), then an optional final stretch at the default 16×64×64.
 * Together the sizes cover every RoPE offset of the default grid (frame offsets up to 15 at 32×32, row/column
 * offsets up to 15 at 64×64).
 * Learning rate: linear warm-up, then cosine decay to 10 % over the wall-clock budget. Checkpoints (weights,
 * optimizer state, progress) go to {@code --out} every few minutes, written to temp files and renamed; a run
 * started on a directory with a checkpoint resumes from it.
 *
 * <p>Options: {@code --seed N --minutes M --final-minutes M --out DIR --lr X --size tiny|test
 * --checkpoint-minutes M --max-steps N --threads N --bucket FxPxB --causal-chunk F --init WEIGHTS}.
 * {@code --causal-chunk F} trains the block-causal variant ({@link CausalTraining}: chunk-causal attention over chunks
 * of F frames, a noise level per chunk; model id {@code tiny-t2v-causal}); {@code --init WEIGHTS} starts from the
 * weights of another run (e.g. the bidirectional model) instead of the seed's initialisation. {@code --object-weight A}
 * weights the loss on the object's pixels 1 + A (0 = plain MSE; bidirectional model only). {@code --start
 * anywhere|trailing} is the data's start rule ({@link SyntheticVideos.Start}; default anywhere). {@code --pooled-text
 * true|false} (default false) adds the pooled text path ({@code text_pool}). {@code --position-features K} (default 0 =
 * none) adds K-frequency fractional-position features ({@code pos_embed}). Both are opt-in, so v1's recipe (and
 * tiny-t2v-causal's base) still trains the architecture without them; the bundled tiny-t2v uses both.
 * {@code --high-noise P} trains a share P of the samples at t in [0.9, 1) (see {@link FlowMatching#batch}).
 * {@code --text-embed-scale S} multiplies the fresh word embeddings by S (from-scratch runs only; default 1).
 */
public final class TrainTinyModel {

    /** A training size: frames, square side in pixels, batch, relative weight. */
    record Bucket(int frames, int pixels, int batch, double weight) {
    }

    static final List<Bucket> MIXED = List.of(
            new Bucket(1, 32, 16, 1.0), new Bucket(4, 32, 8, 1.0), new Bucket(8, 32, 8, 2.0),
            new Bucket(16, 32, 4, 1.0), new Bucket(1, 64, 8, 1.0), new Bucket(4, 64, 4, 1.5));
    static final Bucket FINAL = new Bucket(16, 64, 2, 1.0);

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainTinyModel() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = parse(args);
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        double minutes = Double.parseDouble(o.getOrDefault("minutes", "90"));
        double finalMinutes = Double.parseDouble(o.getOrDefault("final-minutes", "0"));
        double peakLr = Double.parseDouble(o.getOrDefault("lr", "1e-3"));
        double ckptMinutes = Double.parseDouble(o.getOrDefault("checkpoint-minutes", "5"));
        long maxSteps = Long.parseLong(o.getOrDefault("max-steps", String.valueOf(Long.MAX_VALUE)));
        Path out = Path.of(o.getOrDefault("out", "models/tiny-t2v"));
        ModelConfig cfg = ("test".equals(o.get("size")) ? TinyConfigs.testSized() : TinyConfigs.tinyT2v())
                .withConditioning(bool(o.getOrDefault("pooled-text", "false"), "--pooled-text"),
                        Integer.parseInt(o.getOrDefault("position-features", "0")));
        String command = "scripts/train-tiny-model " + String.join(" ", args);
        // PyTorch reads its thread counts when the engine loads (on the first NDManager): set them first. One thread
        // is the robust choice while other processes share the cores (OpenMP spin-waits collapse under contention).
        String threads = o.getOrDefault("threads", String.valueOf(Math.min(2, Runtime.getRuntime().availableProcessors())));
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Bucket fixed = o.containsKey("bucket") ? bucket(o.get("bucket")) : null;
        int causalChunk = Integer.parseInt(o.getOrDefault("causal-chunk", "0"));
        if (causalChunk < 0) throw new IllegalArgumentException("--causal-chunk " + causalChunk + " must be >= 0");
        Path init = o.containsKey("init") ? Path.of(o.get("init")) : null;
        double objectWeight = Double.parseDouble(o.getOrDefault("object-weight", "0"));
        if (!(objectWeight >= 0)) throw new IllegalArgumentException("--object-weight " + objectWeight + " must be >= 0");
        double embedScale = Double.parseDouble(o.getOrDefault("text-embed-scale", "1"));
        if (!(embedScale > 0)) throw new IllegalArgumentException("--text-embed-scale " + embedScale + " must be > 0");
        double highNoise = Double.parseDouble(o.getOrDefault("high-noise", "0"));
        if (!(highNoise >= 0 && highNoise <= 1)) throw new IllegalArgumentException("--high-noise " + highNoise + " must be in [0, 1]");
        if (highNoise > 0 && causalChunk > 0) throw new IllegalArgumentException("--high-noise is not supported with --causal-chunk");
        if (objectWeight > 0 && causalChunk > 0) throw new IllegalArgumentException("--object-weight is not supported with --causal-chunk");

        Tokenizer tok = new Tokenizer(cfg.text().vocab(), cfg.text().maxTokens());
        SyntheticVideos data = new SyntheticVideos(seed, SyntheticVideos.Start.parse(o.getOrDefault("start", "anywhere")));
        try (NDManager root = NDManager.newBaseManager()) {
            Path stateFile = out.resolve("state.json");
            boolean resume = Files.exists(stateFile);
            Map<String, float[]> values = resume ? load(out.resolve("weights.safetensors"))
                    : init != null ? initFrom(init, cfg, seed) : scaled(TinyDit.initialValues(cfg, seed), "text.embed.weight", embedScale);
            TinyDit model = TinyDit.of(cfg, values, root, true);
            AdamW opt = new AdamW(model.parameters(), root, 0.9, 0.999, 1e-8, 0.01, 1.0);
            long step = 0, samples = 0;
            double elapsedBefore = 0, ema = Double.NaN;
            ObjectNode state = JSON.createObjectNode();
            if (resume) {
                state = (ObjectNode) JSON.readTree(stateFile.toFile());
                step = state.get("steps").asLong();
                samples = state.get("samples").asLong();
                elapsedBefore = state.get("seconds").asDouble();
                ema = state.get("loss_ema").asDouble();
                opt.restore(Safetensors.read(out.resolve("optimizer.safetensors")), step);
                log("resumed from %s: step %d, %d samples, %.1f min", out, step, samples, elapsedBefore / 60);
            } else {
                state.putArray("curve");
            }
            long params = model.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
            log("tiny DiT: %d parameters, budget %.1f min (final stretch %.1f min at %dx%dx%d), out %s",
                    params, minutes, finalMinutes, FINAL.frames(), FINAL.pixels(), FINAL.pixels(), out);
            long start = System.nanoTime();
            double lastCkpt = 0, lastLog = 0;
            long windowSamples = 0, skipped = 0, skippedInARow = 0;
            double windowStart = 0;
            while (step < maxSteps) {
                double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
                if (elapsed >= minutes * 60) {
                    break;
                }
                Random rng = new Random(new java.util.SplittableRandom(seed * 1_000_003L + step).nextLong());
                boolean fin = elapsed >= (minutes - finalMinutes) * 60;
                Bucket bucket = fin ? FINAL : fixed != null ? fixed : pick(rng);
                double lr = learningRate(peakLr, step, elapsed / (minutes * 60));
                double loss = causalChunk > 0
                        ? CausalTraining.trainStep(model, opt, root, CausalTraining.batch(cfg, tok, data, samples, bucket.batch(),
                                bucket.frames(), bucket.pixels(), bucket.pixels(), 0.1, rng, causalChunk), lr)
                        : FlowMatching.trainStep(model, opt, root, FlowMatching.batch(cfg, tok, data, samples, bucket.batch(),
                                bucket.frames(), bucket.pixels(), bucket.pixels(), 0.1, objectWeight, highNoise, rng), lr);
                if (!Double.isFinite(loss)) {
                    skipped++;
                    if (++skippedInARow >= 10) {
                        throw new IllegalStateException("10 non-finite steps in a row at step " + step + "; the last checkpoint in "
                                + out + " is intact (resume from it with a lower --lr)");
                    }
                    step++;
                    samples += bucket.batch();
                    continue;
                }
                skippedInARow = 0;
                ema = Double.isNaN(ema) ? loss : 0.98 * ema + 0.02 * loss;
                step++;
                samples += bucket.batch();
                windowSamples += bucket.batch();
                double now = elapsedBefore + (System.nanoTime() - start) / 1e9;
                if (now - lastLog >= 30 || step <= 3) {
                    double rate = windowSamples / Math.max(1e-9, now - windowStart);
                    log("step %d  loss %.4f (ema %.4f)  %s  lr %.2e  %.1f samples/s  %.1f/%.0f min  ETA %.1f min",
                            step, loss, ema, bucket.frames() + "x" + bucket.pixels() + "²x" + bucket.batch(), lr, rate,
                            now / 60, minutes, Math.max(0, minutes - now / 60));
                    ((com.fasterxml.jackson.databind.node.ArrayNode) state.get("curve")).addObject()
                            .put("step", step).put("samples", samples).put("minutes", Math.round(now / 6) / 10.0)
                            .put("loss_ema", Math.round(ema * 10000) / 10000.0);
                    lastLog = now;
                    windowSamples = 0;
                    windowStart = now;
                }
                if (now - lastCkpt >= ckptMinutes * 60) {
                    save(out, model, opt, cfg, state, seed, command, step, samples, now, ema, causalChunk);
                    lastCkpt = now;
                }
            }
            double total = elapsedBefore + (System.nanoTime() - start) / 1e9;
            save(out, model, opt, cfg, state, seed, command, step, samples, total, ema, causalChunk);
            log("done: %d steps (%d skipped), %d samples, %.1f min, loss ema %.4f -> %s", step, skipped, samples, total / 60, ema, out);
        }
    }

    /** Linear warm-up over 100 steps, then cosine from peak to 10 % of peak over the budget fraction. */
    static double learningRate(double peak, long step, double progress) {
        double warm = Math.min(1.0, (step + 1) / 100.0);
        double cos = 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
        return peak * warm * cos;
    }

    /** "FxPxB", e.g. 8x32x8: a fixed training size (for measurements). */
    private static Bucket bucket(String spec) {
        String[] p = spec.split("x");
        return new Bucket(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), 1.0);
    }

    private static Bucket pick(Random rng) {
        double total = MIXED.stream().mapToDouble(Bucket::weight).sum();
        double r = rng.nextDouble() * total;
        for (Bucket b : MIXED) {
            r -= b.weight();
            if (r < 0) {
                return b;
            }
        }
        return MIXED.getLast();
    }

    /**
     * The weights of {@code init}, plus fresh values for parameters it lacks (e.g. {@code text_pool} and
     * {@code pos_embed} when the init model had neither; see {@link TinyDit#initialValues} for their start).
     */
    static Map<String, float[]> initFrom(Path init, ModelConfig cfg, long seed) throws IOException {
        Map<String, float[]> values = load(init);
        List<String> added = new java.util.ArrayList<>();
        TinyDit.initialValues(cfg, seed).forEach((name, fresh) -> {
            if (values.putIfAbsent(name, fresh) == null) added.add(name);
        });
        if (!added.isEmpty()) log("init %s lacks %s: fresh values", init, added);
        return values;
    }

    /**
     * {@code values} with one tensor multiplied by {@code factor}. For {@code --text-embed-scale}: word embeddings start
     * at N(0, 0.02), norm ≈ 0.2 against a text residual stream of norm ≈ 10 after the first layer, and in the v1
     * weights the states of "left" and "right" came out identical at every position.
     */
    static Map<String, float[]> scaled(Map<String, float[]> values, String name, double factor) {
        if (factor != 1) {
            float[] v = values.get(name);
            for (int i = 0; i < v.length; i++) v[i] *= (float) factor;
        }
        return values;
    }

    static Map<String, float[]> load(Path weights) throws IOException {
        Map<String, float[]> v = new LinkedHashMap<>();
        Safetensors.read(weights).forEach((k, t) -> v.put(k, t.data()));
        return v;
    }

    private static void save(Path out, TinyDit model, AdamW opt, ModelConfig cfg, ObjectNode state, long seed,
                             String command, long step, long samples, double seconds, double ema, int causalChunk)
            throws IOException {
        Map<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            w.put(e.getKey(), new Safetensors.Tensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
        }
        Files.createDirectories(out);
        Safetensors.write(out.resolve("weights.safetensors"), w, Map.of("format", "pt"));
        Safetensors.write(out.resolve("optimizer.safetensors"), opt.state(), null);
        ModelConfigJson.write(out.resolve("config.json"), cfg,
                new ModelConfigJson.TrainingRecord(seed, command, samples, step, seconds / 60, ema),
                causalChunk > 0 ? "tiny-t2v-causal" : "tiny-t2v", causalChunk);
        state.put("steps", step).put("samples", samples).put("seconds", seconds).put("loss_ema", ema);
        Path tmp = Files.createTempFile(out.toAbsolutePath(), "state", ".tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        // state.json last: a resume only ever sees a complete checkpoint.
        Files.move(tmp, out.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            String k = args[i].substring(2);
            if (!List.of("seed", "minutes", "final-minutes", "out", "lr", "size", "checkpoint-minutes", "max-steps", "bucket", "threads", "causal-chunk", "init", "object-weight", "start", "pooled-text", "position-features", "high-noise", "text-embed-scale").contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k);
            }
            o.put(k, args[++i]);
        }
        return o;
    }

    private static boolean bool(String value, String option) {
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(option + " " + value + " must be true or false");
        }
        return Boolean.parseBoolean(value);
    }

    static void log(String fmt, Object... args) {
        System.err.println(String.format(Locale.ROOT, fmt, args));
    }
}
