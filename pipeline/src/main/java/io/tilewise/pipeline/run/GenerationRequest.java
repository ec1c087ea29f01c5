package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.ModelConfig;

/**
 * One generation: prompt, video size in pixels, sampler settings, seed and attention policy (see
 * {@link AttentionPolicy} for the grammar; {@code "dense"} for the reference run). Validated on construction;
 * sizes are checked against the model's patch when the pipeline runs it.
 *
 * @param guidance classifier-free guidance scale; 1 runs the conditional branch alone
 */
public record GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                                double shift, long seed, String policy) {

    public GenerationRequest {
        if (prompt == null) prompt = "";
        positive("frames", frames);
        positive("height", height);
        positive("width", width);
        positive("steps", steps);
        if (!Double.isFinite(guidance) || guidance < 0) {
            throw new IllegalArgumentException("guidance " + guidance + " must be a finite number >= 0");
        }
        if (!(shift > 0) || !Double.isFinite(shift)) throw new IllegalArgumentException("shift " + shift + " must be > 0");
        if (policy == null || policy.isBlank()) policy = "dense";
    }

    /** The model's defaults for this prompt (dense attention, seed 0). */
    public static GenerationRequest defaults(ModelConfig config, String prompt) {
        ModelConfig.Defaults d = config.defaults();
        return new GenerationRequest(prompt, d.frames(), d.height(), d.width(), d.steps(), d.guidance(), d.shift(), 0, "dense");
    }

    public GenerationRequest withPolicy(String newPolicy) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, newPolicy);
    }

    public GenerationRequest withSeed(long newSeed) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, newSeed, policy);
    }

    public boolean usesGuidance() {
        return guidance != 1.0;
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " " + value + " must be >= 1");
    }
}
