package io.tilewise.pipeline.testkit;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.probe.ProbeSampler;
import io.tilewise.pipeline.report.CompareRequest;
import io.tilewise.pipeline.report.Comparison;
import io.tilewise.pipeline.report.ComparisonResult;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;

import java.nio.file.Path;
import java.util.List;

/**
 * A small real comparison for report tests: a random 2-block model, 4 frames of 32×32 px (a 4×8×8 token grid),
 * 3 steps with CFG, dense against radial, PISA and an exact GNA window, every step probed.
 */
public final class TinyComparison {

    public static final List<String> POLICIES = List.of("radial:decay=0.1,block=16", "pisa:density=0.25,block=32", "gna:window=4x8x8");
    public static final GenerationRequest BASE = GenerationRequest.defaults(TinyModels.small(2), "a red circle moving right on a blue background").withSize(4, 32, 32)
            .withSteps(3).withGuidance(4.0).withShift(3.0).withSeed(7);

    private TinyComparison() {
    }

    public static ComparisonResult run(Path modelDir) {
        ModelConfig config = TinyModels.small(2);
        TinyModels.write(modelDir, config, 11);
        CompareRequest request = new CompareRequest(BASE, POLICIES, 1, ProbeSampler.every(1), CompareRequest.Targets.standard());
        return Comparison.run(request, o -> Pipeline.open(modelDir, o), new Pipeline.Options(1, null), line -> { });
    }
}
