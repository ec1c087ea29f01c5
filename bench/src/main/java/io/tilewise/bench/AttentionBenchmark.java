package io.tilewise.bench;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.memory.MemoryLimit;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Times attention methods on one shape, as ratios taken in one run: every method against our {@code dense} (always
 * measured, listed or not) on the same seeded q/k/v.
 *
 * <p>Order of work: parse every spec (so a typo fails before anything runs), check the estimated memory against
 * the limit ({@link BenchMemory}), then, on {@code threads} threads for our kernels and ORT alike, prepare each method (timed apart),
 * {@code warmup} untimed rounds, then {@code repeats} timed rounds. A round calls each method once, in turn, so
 * that the load other processes put on a shared machine falls on all methods alike.
 */
public final class AttentionBenchmark {

    private static final String DENSE = "dense";

    private AttentionBenchmark() {
    }

    /**
     * Runs the request; {@code progress} receives one line per phase (pass {@code s -> {}} for none).
     *
     * @return one row per listed method, in the listed order
     * @throws IllegalArgumentException for an unknown method, bad parameters, an unsupported shape or thread count
     */
    public static List<BenchRow> run(BenchRequest request, Consumer<String> progress) {
        List<String> listed = new ArrayList<>();
        Map<String, AttentionKernel> kernels = kernels(request.methods(), listed);
        MemoryLimit limit = request.memoryLimit() != null ? request.memoryLimit() : MemoryLimit.defaults();
        limit.check(BenchMemory.estimate(request.shape(), kernels.values()));
        if (request.threads() == 0) return run(request, kernels, listed, progress);
        return Parallel.withThreads(request.threads(), () -> run(request, kernels, listed, progress));
    }

    private static List<BenchRow> run(BenchRequest request, Map<String, AttentionKernel> kernels, List<String> listed,
                                      Consumer<String> progress) {
        AttentionShape shape = request.shape();
        AttentionContext ctx = AttentionContext.standalone();

        int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        Map<String, Double> prepareMs = new LinkedHashMap<>();
        try (Tensor q = Tensor.randomNormal(request.seed(), 1.5f, b, h, n, d);
             Tensor k = Tensor.randomNormal(request.seed() + 1, 1.5f, b, h, n, d);
             Tensor v = Tensor.randomNormal(request.seed() + 2, 1f, b, h, n, d)) {
            try {
                for (var e : kernels.entrySet()) {
                    long start = System.nanoTime();
                    candidates.put(e.getKey(), Candidate.prepare(e.getValue(), shape, q, k, v, ctx, request.backend()));
                    prepareMs.put(e.getKey(), millis(System.nanoTime() - start));
                    progress.accept("prepared " + e.getKey() + " in " + format(prepareMs.get(e.getKey())) + " ms");
                }
                for (int w = 0; w < request.warmup(); w++) {
                    for (Candidate c : candidates.values()) c.call();
                    progress.accept("warm-up round " + (w + 1) + "/" + request.warmup());
                }
                Map<String, double[]> times = new LinkedHashMap<>();
                Map<String, Map<String, double[]>> phases = new LinkedHashMap<>();
                candidates.keySet().forEach(key -> times.put(key, new double[request.repeats()]));
                for (int r = 0; r < request.repeats(); r++) {
                    for (var e : candidates.entrySet()) {
                        long start = System.nanoTime();
                        e.getValue().call();
                        times.get(e.getKey())[r] = millis(System.nanoTime() - start);
                        int round = r;
                        e.getValue().phaseNanos().forEach((phase, nanos) -> phases
                                .computeIfAbsent(e.getKey(), key -> new LinkedHashMap<>())
                                .computeIfAbsent(phase, p -> new double[request.repeats()])[round] = millis(nanos));
                    }
                    progress.accept("timed round " + (r + 1) + "/" + request.repeats());
                }
                return rows(request, listed, candidates, prepareMs, times, phases);
            } finally {
                for (Candidate c : candidates.values()) c.close();
            }
        }
    }

    private static List<BenchRow> rows(BenchRequest request, List<String> listed, Map<String, Candidate> candidates,
                                       Map<String, Double> prepareMs, Map<String, double[]> times,
                                       Map<String, Map<String, double[]>> phases) {
        AttentionShape shape = request.shape();
        Candidate dense = candidates.get(DENSE);
        double denseMedian = median(times.get(DENSE));
        Tensor denseOut = dense.output();
        List<BenchRow> rows = new ArrayList<>();
        for (String key : listed) {
            Candidate c = candidates.get(key);
            double[] t = times.get(key);
            double medianMs = median(t);
            double density = c.executedDensity();
            double gflops = shape.denseFlops() * density / (medianMs * 1e6);
            double relL2 = c == dense ? 0.0 : TensorMetrics.compare(c.output(), denseOut).relL2();
            rows.add(new BenchRow(c.kernel().id(), c.kernel().spec(), shape.batch(), shape.heads(), shape.seqLen(),
                    shape.headDim(), shape.layout().toString(), prepareMs.get(key), medianMs,
                    Arrays.stream(t).min().orElseThrow(), gflops, density, denseMedian / medianMs, relL2,
                    request.repeats(), request.warmup(), c.threads(), c.device(), phaseMedians(phases.get(key))));
        }
        return rows;
    }

    /**
     * Builds every kernel before anything runs; dense leads so it is prepared and called first in each round.
     * Methods are keyed by canonical spec ({@code listed} receives the keys in the listed order), so two spellings
     * of one method are caught as a duplicate.
     */
    private static Map<String, AttentionKernel> kernels(List<String> specs, List<String> listed) {
        Map<String, AttentionKernel> kernels = new LinkedHashMap<>();
        AttentionKernel dense = AttentionMethods.create(DENSE);
        kernels.put(dense.spec(), dense);
        for (String spec : specs) {
            AttentionKernel kernel = AttentionMethods.create(spec);
            if (listed.contains(kernel.spec())) throw new IllegalArgumentException("method '" + spec + "' is listed twice");
            listed.add(kernel.spec());
            kernels.putIfAbsent(kernel.spec(), kernel);
        }
        return kernels;
    }

    private static Map<String, Double> phaseMedians(Map<String, double[]> phases) {
        Map<String, Double> medians = new LinkedHashMap<>();
        if (phases != null) phases.forEach((phase, ms) -> medians.put(phase, median(ms)));
        return medians;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static String format(double ms) {
        return String.format(java.util.Locale.ROOT, "%.1f", ms);
    }
}
