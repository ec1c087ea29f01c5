package io.tilewise.pipeline.run;

import java.util.List;

/**
 * The output of one generation: the video, timings, every attention call (step, layer, branch, method, executed
 * density, time), and warnings (e.g. prompt words the model does not know).
 */
public record GenerationResult(Video video, Timings timings, List<AttentionCall> attentionCalls, List<String> warnings,
                               String policy) {

    public GenerationResult {
        attentionCalls = List.copyOf(attentionCalls);
        warnings = List.copyOf(warnings);
    }

    /** Mean executed density over all attention calls (1 for dense). */
    public double meanExecutedDensity() {
        return attentionCalls.stream().mapToDouble(AttentionCall::executedDensity).average().orElse(1);
    }
}
