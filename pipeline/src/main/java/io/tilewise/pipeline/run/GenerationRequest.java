package io.tilewise.pipeline.run;

import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.model.ModelConfig;

/**
 * One generation: prompt, video size in pixels, sampler settings, seed, attention policy (see
 * {@link AttentionPolicy} for the grammar; {@code "dense"} for the reference run) and step cache (see
 * {@link io.tilewise.pipeline.stepcache.StepCachePolicy}; {@code "none"} computes every step). Validated on construction;
 * sizes are checked against the model's patch when the pipeline runs it. Start from {@link #defaults} and change fields
 * with the {@code with…} methods:
 * {@code GenerationRequest.defaults(pipeline.card(), "a red circle").withSteps(20).withSeed(7).withPolicy("radial")}.
 *
 * @param guidance       classifier-free guidance scale; 1 runs the conditional branch alone
 * @param negativePrompt the unconditional branch's prompt ("" by default, as diffusers' pipelines use)
 * @param noise          the initial latents in the model's own layout (e.g. Wan's {@code [1, 16, F', H', W']}), so a
 *                       run can reproduce another implementation's run; null: drawn from {@code seed}
 * @param scheduler      the model's sampler by name (Wan: {@code unipc}, {@code euler}); "" for the model's default
 * @param stepCache      step-cache spec, e.g. {@code fbcache:threshold=0.08,warmup=2,max_skip=3}; "none" by default
 */
public record GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                                double shift, long seed, String policy, String negativePrompt, InitialNoise noise,
                                String scheduler, String stepCache) {

    /** A request with an empty negative prompt, seeded noise, the model's default sampler and no step cache. */
    public GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                             double shift, long seed, String policy) {
        this(prompt, frames, height, width, steps, guidance, shift, seed, policy, "", null, "", "none");
    }

    /** As the 9-value form, with a step cache. */
    public GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                             double shift, long seed, String policy, String stepCache) {
        this(prompt, frames, height, width, steps, guidance, shift, seed, policy, "", null, "", stepCache);
    }

    /** As the 9-value form, with a negative prompt, initial noise and a sampler. */
    public GenerationRequest(String prompt, int frames, int height, int width, int steps, double guidance,
                             double shift, long seed, String policy, String negativePrompt, InitialNoise noise,
                             String scheduler) {
        this(prompt, frames, height, width, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, "none");
    }

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
        if (negativePrompt == null) negativePrompt = "";
        if (scheduler == null) scheduler = "";
        if (stepCache == null || stepCache.isBlank()) stepCache = "none";
    }

    /** The model's defaults for this prompt (dense attention, seed 0). */
    public static GenerationRequest defaults(ModelConfig config, String prompt) {
        ModelConfig.Defaults d = config.defaults();
        return new GenerationRequest(prompt, d.frames(), d.height(), d.width(), d.steps(), d.guidance(), d.shift(), 0, "dense");
    }

    /** The defaults of the model of {@code card} (any family) for this prompt (dense attention, seed 0). */
    public static GenerationRequest defaults(ModelCard card, String prompt) {
        GenerationDefaults d = card.defaults();
        return new GenerationRequest(prompt, d.frames(), d.height(), d.width(), d.steps(), d.guidance(), d.shift(), 0, "dense");
    }

    // One copy-with method per field, so callers start from defaults(…) and change only what they set.

    public GenerationRequest withPrompt(String newPrompt) {
        return new GenerationRequest(newPrompt, frames, height, width, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withFrames(int newFrames) {
        return new GenerationRequest(prompt, newFrames, height, width, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withHeight(int newHeight) {
        return new GenerationRequest(prompt, frames, newHeight, width, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withWidth(int newWidth) {
        return new GenerationRequest(prompt, frames, height, newWidth, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    /** Frames, height and width at once (a video size such as a sweep's {@code 16x64x64}). */
    public GenerationRequest withSize(int newFrames, int newHeight, int newWidth) {
        return new GenerationRequest(prompt, newFrames, newHeight, newWidth, steps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withSteps(int newSteps) {
        return new GenerationRequest(prompt, frames, height, width, newSteps, guidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withGuidance(double newGuidance) {
        return new GenerationRequest(prompt, frames, height, width, steps, newGuidance, shift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withShift(double newShift) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, newShift, seed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withSeed(long newSeed) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, newSeed, policy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withPolicy(String newPolicy) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, newPolicy, negativePrompt, noise, scheduler, stepCache);
    }

    public GenerationRequest withNegativePrompt(String newNegativePrompt) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, policy, newNegativePrompt,
                noise, scheduler, stepCache);
    }

    /** Starts from these latents instead of seeded noise (null: back to the seed). */
    public GenerationRequest withNoise(InitialNoise newNoise) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, policy, negativePrompt,
                newNoise, scheduler, stepCache);
    }

    public GenerationRequest withScheduler(String newScheduler) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, policy, negativePrompt,
                noise, newScheduler, stepCache);
    }

    public GenerationRequest withStepCache(String newStepCache) {
        return new GenerationRequest(prompt, frames, height, width, steps, guidance, shift, seed, policy, negativePrompt,
                noise, scheduler, newStepCache);
    }

    public boolean usesGuidance() {
        return guidance != 1.0;
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " " + value + " must be >= 1");
    }
}
