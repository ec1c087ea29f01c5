package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.ModelConfig;

/**
 * One generation: prompt, video size in pixels, sampler settings, seed, attention policy (see
 * {@link AttentionPolicy} for the grammar; {@code "dense"} for the reference run) and step cache (see
 * {@link io.tilewise.pipeline.stepcache.StepCachePolicy}; {@code "none"} computes every step). Validated on
 * construction; sizes are checked against the model's patch when the pipeline runs it.
 *
 * @param guidance  classifier-free guidance scale; 1 runs the conditional branch alone
 * @param stepCache step-cache spec, e.g. {@code fbcache:threshold=0.08,warmup=2,max_skip=3}
 */
public record GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                                double shift, long seed, String policy, String stepCache) {

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
        if (stepCache == null || stepCache.isBlank()) stepCache = "none";
    }

    /** A request without a step cache. */
    public GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance, double shift, long seed,
                             String policy) {
        this(prompt, frames, height, width, steps, guidance, shift, seed, policy, "none");
    }

    /** The model's defaults for this prompt (dense attention, seed 0). */
    public static GenerationRequest defaults(ModelConfig config, String prompt) {
        ModelConfig.Defaults d = config.defaults();
        return new GenerationRequest(prompt, d.frames(), d.height(), d.width(), d.steps(), d.guidance(), d.shift(), 0, "dense");
    }

    public GenerationRequest withPolicy(String newPolicy) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, newPolicy, stepCache);
    }

    public GenerationRequest withSeed(long newSeed) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, newSeed, policy, stepCache);
    }

    public GenerationRequest withStepCache(String newStepCache) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, policy, newStepCache);
    }

    public boolean usesGuidance() {
        return guidance != 1.0;
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " " + value + " must be >= 1");
    }
}
