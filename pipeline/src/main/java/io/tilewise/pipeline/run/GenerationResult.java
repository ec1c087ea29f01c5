package io.tilewise.pipeline.run;

import io.tilewise.pipeline.stepcache.StepCacheStats;

import java.util.List;

/**
 * The output of one generation: the video, timings, every attention call (step, layer, branch, method, executed
 * density, time), warnings (e.g. prompt words the model does not know), the canonical attention policy and what the
 * step cache did (steps computed and skipped per CFG branch; all computed without one).
 */
public record GenerationResult(Video video, Timings timings, List<AttentionCall> attentionCalls, List<String> warnings,
                               String policy, StepCacheStats stepCache) {

    public GenerationResult {
        attentionCalls = List.copyOf(attentionCalls);
        warnings = List.copyOf(warnings);
        if (stepCache == null) stepCache = StepCacheStats.none(0, 0);
    }

    /** A result without step-cache stats. */
    public GenerationResult(Video video, Timings timings, List<AttentionCall> attentionCalls, List<String> warnings, String policy) {
        this(video, timings, attentionCalls, warnings, policy, null);
    }

    /** Mean executed density over all attention calls (1 for dense). */
    public double meanExecutedDensity() {
        return attentionCalls.stream().mapToDouble(AttentionCall::executedDensity).average().orElse(1);
    }
}
