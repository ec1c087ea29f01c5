package io.tilewise.pipeline.manual;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;

/**
 * Manual speed check (not a test): a random model of the bundled size (hidden 128, 4 heads, 4 blocks) at the default
 * 16×64×64 px (4,096 tokens), policies interleaved A, B, A, B in one JVM. Args: steps rounds policy...
 */
public final class PipelineSpeedCheck {

    public static void main(String[] args) {
        int steps = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        ModelConfig config = TinyModels.config(128, 4, 4, 128, 4, 2, 256, new int[] {8, 12, 12});
        try (Pipeline pipeline = Pipeline.of(TinyModels.randomWeights(config, 1), Pipeline.Options.defaults())) {
            GenerationRequest base = GenerationRequest.defaults(config, "a red circle moving left on a black background").withSize(16, 64, 64)
                    .withSteps(steps).withGuidance(4.0).withShift(3.0).withSeed(1);
            for (int r = 0; r < rounds; r++) {
                for (int i = 2; i < args.length; i++) {
                    GenerationResult res = pipeline.generate(base.withPolicy(args[i]));
                    System.out.printf("round %d %-40s %s, mean executed density %.3f%n", r, args[i], res.timings(),
                            res.meanExecutedDensity());
                }
            }
        }
    }
}
