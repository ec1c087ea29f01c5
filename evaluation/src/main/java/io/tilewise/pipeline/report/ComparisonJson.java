package io.tilewise.pipeline.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.run.GenerationRequest;

import java.util.List;

/** {@code report.json}: every number of a comparison, per-frame and per-probe values included. */
public final class ComparisonJson {

    private ComparisonJson() {
    }

    /** @param files per method (in order), the report's files for it: name → relative path */
    public static ObjectNode of(ComparisonResult result, List<java.util.Map<String, String>> files) {
        ObjectNode root = Json.object();
        root.put("tool", "tilewise compare");
        root.put("model", result.modelId());
        GenerationRequest b = result.request().base();
        root.put("prompt", b.prompt());
        root.put("seed", b.seed());
        root.put("frames", b.frames());
        root.put("height", b.height());
        root.put("width", b.width());
        root.put("steps", b.steps());
        Json.num(root, "guidance", b.guidance());
        Json.num(root, "shift", b.shift());
        root.put("repeats", result.request().repeats());
        ObjectNode targets = root.putObject("targets");
        Json.num(targets, "speedup", result.request().targets().speedup());
        Json.num(targets, "psnr", result.request().targets().psnr());
        if (result.request().probe() != null) {
            ObjectNode p = root.putObject("probe");
            p.put("every_steps", result.request().probe().everySteps());
            ArrayNode branches = p.putArray("branches");
            result.request().probe().branches().stream().map(Enum::name).sorted().forEach(branches::add);
        }
        ObjectNode env = root.putObject("environment");
        result.environment().forEach(env::put);
        ObjectNode dense = run(root.putObject("dense"), result.dense());
        dense.set("reading", Json.reading(result.denseReading()));
        Json.bool(dense, "adheres", result.denseAdheres());
        ArrayNode methods = root.putArray("methods");
        for (int i = 0; i < result.methods().size(); i++) {
            MethodOutcome m = result.methods().get(i);
            ObjectNode n = run(methods.addObject(), m.run());
            n.put("method", ComparisonCharts.methodName(m.run().policy()));
            Json.num(n, "speedup", m.speedup());
            Json.num(n, "attention_speedup", m.attentionSpeedup());
            ObjectNode psnr = n.putObject("psnr");
            Json.num(psnr, "mean", m.quality().meanPsnr());
            Json.num(psnr, "min", m.quality().minPsnr());
            psnr.set("per_frame", Json.array(m.quality().psnr()));
            ObjectNode ssim = n.putObject("ssim");
            Json.num(ssim, "mean", m.quality().meanSsim());
            Json.num(ssim, "min", m.quality().minSsim());
            ssim.set("per_frame", Json.array(m.quality().ssim()));
            Json.num(n, "latent_relative_error", m.quality().latentRelativeError());
            n.set("reading", Json.reading(m.reading()));
            Json.bool(n, "adheres", m.adheres());
            n.put("adherence_matches_dense", m.adherenceMatchesDense());
            n.set("diagnosis", diagnosis(m.diagnosis()));
            ArrayNode probes = n.putArray("probes");
            for (ProbeRecord r : m.run().probes()) probes.add(probe(r));
            if (i < files.size()) {
                ObjectNode f = n.putObject("files");
                files.get(i).forEach(f::put);
            }
        }
        return root;
    }

    private static ObjectNode run(ObjectNode n, PolicyRun run) {
        n.put("policy", run.policy());
        n.put("canonical_policy", run.canonicalPolicy());
        Json.num(n, "seconds", run.seconds());
        Json.num(n, "attention_seconds", run.attentionSeconds());
        Json.num(n, "stage_seconds", run.stageSeconds());
        Json.num(n, "prepare_seconds", run.prepareSeconds());
        Json.num(n, "attention_share", run.attentionShare());
        Json.num(n, "executed_density", run.executedDensity());
        ObjectNode sc = n.putObject("step_cache");
        sc.put("spec", run.stepCache().spec());
        ArrayNode computed = sc.putArray("computed_per_branch");
        for (int c : run.stepCache().computed()) computed.add(c);
        ArrayNode skipped = sc.putArray("skipped_per_branch");
        for (int c : run.stepCache().skipped()) skipped.add(c);
        sc.put("cfg_reused", run.stepCache().cfgReused());
        Json.num(sc, "cache_seconds", run.stepCache().cacheNanos() / 1e9);
        Json.num(sc, "skipped_step_seconds", run.skippedStepSeconds());
        ArrayNode runs = n.putArray("run_seconds");
        run.timings().forEach(t -> runs.add(t.total() / 1e9));
        return n;
    }

    private static ObjectNode diagnosis(Diagnosis d) {
        ObjectNode n = Json.object();
        n.put("meets_goal", d.meetsGoal());
        n.put("meets_speedup", d.meetsSpeedup());
        n.put("meets_psnr", d.meetsPsnr());
        n.put("meets_adherence", d.meetsAdherence());
        Json.num(n, "density_for_target", d.densityForTarget());
        Json.num(n, "speedup_bound", d.speedupBound());
        ArrayNode findings = n.putArray("findings");
        d.findings().forEach(findings::add);
        ArrayNode layers = n.putArray("layers");
        for (LayerError l : d.layers()) {
            ObjectNode ln = layers.addObject();
            ln.put("layer", l.layer());
            ln.put("calls", l.calls());
            Json.num(ln, "mean_rel_l2", l.meanRelL2());
            Json.num(ln, "max_rel_l2", l.maxRelL2());
            ln.put("step_of_max", l.stepOfMax());
            Json.num(ln, "mean_mask_mass", l.meanMaskMass());
            Json.num(ln, "min_mask_mass", l.minMaskMass());
        }
        return n;
    }

    private static ObjectNode probe(ProbeRecord r) {
        ObjectNode n = Json.object();
        n.put("step", r.step());
        n.put("layer", r.layer());
        n.put("branch", r.branch().name());
        Json.num(n, "rel_l2", r.relL2());
        Json.num(n, "cosine", r.cosine());
        Json.num(n, "mask_mass", r.maskMass());
        Json.num(n, "min_mask_mass", r.minMaskMass());
        Json.num(n, "executed_density", r.executedDensity());
        return n;
    }
}
