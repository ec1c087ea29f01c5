package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.api.Support;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.probe.ProbeLog;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.probe.ProbeSampler;
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
import io.tilewise.pipeline.run.Video;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Generation cells: a 1-step warm-up, then the timed generation; a dense cell saves its video as its group's
 * reference, a method cell is measured against it (PSNR/SSIM per frame, final latent error, what the clip shows,
 * speedup over the dense cell's time) and, when asked, probed per layer in a second, untimed run.
 */
final class GenerationCells implements CellRunner {

    private final SweepSpec spec;
    private final ModelCard config;
    private final Function<Pipeline.Options, Pipeline> pipelines;
    private final Pipeline.Options options;
    private final ReferenceVideos references;
    private Pipeline pipeline;
    private Pipeline probed;
    private final ProbeLog probes = new ProbeLog();

    GenerationCells(SweepSpec spec, ModelCard config, Function<Pipeline.Options, Pipeline> pipelines, Pipeline.Options options,
                    Path dir) {
        this.spec = spec;
        this.config = config;
        this.pipelines = pipelines;
        this.options = options;
        this.references = new ReferenceVideos(dir);
    }

    GenerationRequest request(SweepCell cell) {
        GenerationDefaults d = config.defaults();
        VideoSize s = cell.size();
        return GenerationRequest.defaults(config, cell.prompt()).withSize(s.frames(), s.height(), s.width())
                .withSteps(spec.steps() == null ? d.steps() : spec.steps()).withGuidance(spec.guidance() == null ? d.guidance() : spec.guidance())
                .withSeed(cell.seed()).withPolicy(cell.point().policy()).withStepCache(cell.point().stepCache());
    }

    @Override
    public Support support(SweepCell cell) {
        try {
            return PolicySupport.check(config, request(cell));
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
    }

    @Override
    public double expectedDensity(SweepCell cell) {
        GenerationRequest r = request(cell);
        return PolicyDensity.of(r.policy(), PolicySupport.shape(config, r), r.steps(), config.blocks(), r.usesGuidance());
    }

    @Override
    public double predictedSeconds(SweepCell cell, CostModel cost) {
        GenerationRequest r = request(cell);
        return cost.generationSeconds(config, cell.size(), r.steps(), r.usesGuidance(), expectedDensity(cell),
                spec.probeEvery() > 0 && !cell.point().isDense());
    }

    @Override
    public void run(SweepCell cell, Map<String, ObjectNode> finished, ObjectNode line) {
        GenerationRequest request = request(cell);
        line.put("prompt", cell.prompt());
        line.put("seed", cell.seed());
        line.put("size", cell.size().toString());
        line.put("steps", request.steps());
        line.put("guidance", request.guidance());
        Video reference = null;
        ObjectNode denseLine = null;
        if (!cell.point().isDense()) {
            denseLine = finished.get(SweepCell.generation(0, MethodPoint.dense(), cell.prompt(), cell.seed(), cell.size()).key());
            reference = denseLine == null ? null : references.load(cell.group());
            if (reference == null) throw new IllegalStateException("no dense reference for " + cell.group() + " (its dense cell did not finish)");
        }
        Pipeline p = pipeline();
        p.generate(request.withSteps(1));
        GenerationResult result = p.generate(request);
        double seconds = (result.timings().total() - result.timings().attentionPrepare()) / 1e9;
        line.put("seconds", seconds);
        line.put("attention_seconds", result.timings().attention() / 1e9);
        line.put("stage_seconds", result.timings().stages() / 1e9);
        line.put("executed_density", result.meanExecutedDensity());
        Lines.stepCache(line, result);
        // a model without a prompt analyzer (free text, e.g. Wan): nothing read, adherence n/a (null)
        boolean analyzer = p.model().analyzesPrompts();
        ClipReading reading = analyzer ? ClipAnalyzer.read(result.video()) : null;
        if (reading != null) line.set("reading", Lines.reading(reading));
        else line.putNull("reading");
        PromptSet.Scene scene = analyzer ? PromptAttributes.parse(cell.prompt()) : null;
        if (scene == null) line.putNull("adheres");
        else line.put("adheres", scene.color().equals(reading.color()) && scene.direction().equals(reading.direction()));
        if (cell.point().isDense()) {
            references.save(cell.group(), result.video());
            return;
        }
        if (reading == null) {
            line.putNull("adherence_matches_dense");
        } else {
            ClipReading denseReading = ClipAnalyzer.read(reference);
            line.put("adherence_matches_dense", Objects.equals(denseReading.color(), reading.color())
                    && Objects.equals(denseReading.direction(), reading.direction()));
        }
        Lines.num(line, "speedup", denseLine.path("seconds").asDouble() / seconds);
        VideoQuality q = VideoQuality.of(reference, result.video());
        Lines.num(line, "psnr_mean", q.meanPsnr());
        Lines.num(line, "psnr_min", q.minPsnr());
        Lines.num(line, "ssim_mean", q.meanSsim());
        Lines.num(line, "ssim_min", q.minSsim());
        Lines.num(line, "latent_rel_error", q.latentRelativeError());
        if (spec.probeEvery() > 0) probe(request, line);
    }

    private void probe(GenerationRequest request, ObjectNode line) {
        probes.clear();
        probed().generate(request);
        List<ProbeRecord> records = probes.records();
        if (records.isEmpty()) return;
        ObjectNode p = line.putObject("probe");
        Lines.num(p, "mean_rel_l2", records.stream().mapToDouble(ProbeRecord::relL2).average().orElse(Double.NaN));
        ProbeRecord worst = records.stream().max(Comparator.comparingDouble(ProbeRecord::relL2)).orElseThrow();
        Lines.num(p, "max_rel_l2", worst.relL2());
        p.put("worst_layer", worst.layer());
        p.put("worst_step", worst.step());
        Lines.num(p, "mean_mask_mass", records.stream().mapToDouble(ProbeRecord::maskMass).average().orElse(Double.NaN));
        Lines.num(p, "min_mask_mass", records.stream().mapToDouble(ProbeRecord::maskMass).min().orElse(Double.NaN));
        p.put("calls", records.size());
    }

    private Pipeline pipeline() {
        if (pipeline == null) pipeline = pipelines.apply(options);
        return pipeline;
    }

    private Pipeline probed() {
        if (probed == null) {
            probed = pipelines.apply(options.withKernels(ProbedKernel.wrapping(options.kernels(), ProbeSampler.every(spec.probeEvery()), probes)));
        }
        return probed;
    }

    @Override
    public void close() {
        if (pipeline != null) pipeline.close();
        if (probed != null) probed.close();
    }
}
