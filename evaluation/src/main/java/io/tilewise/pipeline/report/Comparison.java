package io.tilewise.pipeline.report;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Support;
import io.tilewise.pipeline.probe.ProbeLog;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.probe.ProbedKernel;
import io.tilewise.pipeline.quality.ClipAnalyzer;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.quality.PromptAttributes;
import io.tilewise.pipeline.quality.PromptSet;
import io.tilewise.pipeline.quality.VideoQuality;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.PolicySupport;
import io.tilewise.pipeline.run.Timings;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a comparison (docs/design.md §6, end to end): dense and each policy on the same prompt, seed and steps.
 *
 * <ol>
 *   <li>Checks every policy on the token grid before running anything.</li>
 *   <li>Warms up: one 1-step generation per policy (JIT, ONNX Runtime, attention plans — prepared sessions stay
 *       cached in the pipeline, so timed runs measure steady state).</li>
 *   <li>Timed runs, interleaved: {@code repeats} rounds of dense, A, B, … so machine noise hits all alike; medians.</li>
 *   <li>Probed runs (when asked), untimed, on a second pipeline whose kernels are {@link ProbedKernel}s.</li>
 *   <li>Quality against dense: PSNR/SSIM per frame, final latent error, what each clip shows.</li>
 * </ol>
 */
public final class Comparison {

    private Comparison() {
    }

    /**
     * @param pipelines opens a pipeline with the given options (e.g. {@code o -> Pipeline.open(dir, o)})
     * @param options   the timed pipeline's options; the probed pipeline wraps its kernels
     * @param progress  told a line before each run
     * @throws IllegalArgumentException naming the first policy that cannot run, before anything runs
     */
    public static ComparisonResult run(CompareRequest request, Function<Pipeline.Options, Pipeline> pipelines,
                                       Pipeline.Options options, Consumer<String> progress) {
        List<String> order = request.runOrder();
        Map<String, List<Timings>> timings = new LinkedHashMap<>();
        Map<String, GenerationResult> results = new LinkedHashMap<>();
        String modelId;
        boolean analyzer;
        AttentionShape shape;
        try (Pipeline pipeline = pipelines.apply(options)) {
            modelId = pipeline.card().modelId();
            analyzer = pipeline.model().analyzesPrompts();
            shape = PolicySupport.shape(pipeline.card(), request.base());
            for (String policy : order) {
                Support s = PolicySupport.check(pipeline.card(), request.request(policy));
                if (!s.supported()) throw new IllegalArgumentException("attention " + policy + " cannot run: " + s.reason());
            }
            GenerationRequest base = request.base();
            for (String policy : order) {
                progress.accept("warm-up " + policy);
                GenerationRequest r = request.request(policy);
                pipeline.generate(base.withSteps(1).withPolicy(r.policy()).withStepCache(r.stepCache()));
            }
            for (int round = 0; round < request.repeats(); round++) {
                for (String policy : order) {
                    progress.accept("run " + (round + 1) + "/" + request.repeats() + " " + policy);
                    GenerationResult result = pipeline.generate(request.request(policy));
                    results.putIfAbsent(policy, result);
                    timings.computeIfAbsent(policy, p -> new ArrayList<>()).add(result.timings());
                }
            }
        }
        Map<String, List<ProbeRecord>> probes = probe(request, pipelines, options, progress);
        PolicyRun dense = policyRun("dense", results, timings, probes);
        // models without a prompt analyzer (free-text models such as Wan): no clip reading, adherence n/a
        ClipReading denseReading = analyzer ? ClipAnalyzer.read(dense.video()) : null;
        PromptSet.Scene scene = analyzer ? PromptAttributes.parse(request.base().prompt()) : null;
        List<MethodOutcome> methods = new ArrayList<>();
        for (String policy : request.policies()) {
            progress.accept("quality " + policy);
            PolicyRun run = policyRun(policy, results, timings, probes);
            methods.add(outcome(request, shape, dense, denseReading, run, scene));
        }
        return new ComparisonResult(request, modelId, dense, denseReading, adheres(scene, denseReading), methods, environment());
    }

    private static Map<String, List<ProbeRecord>> probe(CompareRequest request, Function<Pipeline.Options, Pipeline> pipelines,
                                                         Pipeline.Options options, Consumer<String> progress) {
        Map<String, List<ProbeRecord>> out = new LinkedHashMap<>();
        if (request.probe() == null || request.policies().isEmpty()) return out;
        ProbeLog log = new ProbeLog();
        Pipeline.Options probed = options.withKernels(ProbedKernel.wrapping(options.kernels(), request.probe(), log));
        try (Pipeline pipeline = pipelines.apply(probed)) {
            for (String policy : request.policies()) {
                progress.accept("probed run " + policy);
                log.clear();
                pipeline.generate(request.request(policy));
                out.put(policy, log.records());
            }
        }
        return out;
    }

    private static PolicyRun policyRun(String policy, Map<String, GenerationResult> results, Map<String, List<Timings>> timings,
                                       Map<String, List<ProbeRecord>> probes) {
        GenerationResult r = results.get(policy);
        return new PolicyRun(policy, r.policy(), r.video(), timings.get(policy), r.meanExecutedDensity(),
                probes.getOrDefault(policy, List.of()), r.stepCache());
    }

    private static MethodOutcome outcome(CompareRequest request, AttentionShape shape, PolicyRun dense, ClipReading denseReading, PolicyRun run,
                                         PromptSet.Scene scene) {
        VideoQuality quality = VideoQuality.of(dense.video(), run.video());
        ClipReading reading = denseReading == null ? null : ClipAnalyzer.read(run.video());
        boolean matches = reading == null || (Objects.equals(reading.color(), denseReading.color())
                && Objects.equals(reading.direction(), denseReading.direction()));
        double speedup = dense.seconds() / run.seconds();
        double attentionSpeedup = dense.attentionSeconds() / run.attentionSeconds();
        Diagnosis diagnosis = Diagnosis.of(request.targets(), shape, dense, run, quality, speedup, attentionSpeedup, denseReading,
                reading, matches);
        return new MethodOutcome(run, quality, reading, adheres(scene, reading), matches, speedup, attentionSpeedup, diagnosis);
    }

    /** Whether the clip shows the prompt's color and direction; null for prompts outside the model's words. */
    static Boolean adheres(PromptSet.Scene scene, ClipReading reading) {
        if (scene == null || reading == null) return null;
        return scene.color().equals(reading.color()) && scene.direction().equals(reading.direction());
    }

    static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("jdk", System.getProperty("java.vendor") + " " + Runtime.version());
        env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("time", Instant.now().toString());
        return env;
    }
}
