package io.tilewise.pipeline.family;

/**
 * A model's default generation: video size in pixels, steps, classifier-free guidance and the sampler's shift.
 */
public record GenerationDefaults(int frames, int height, int width, int steps, double guidance, double shift) {

    public GenerationDefaults {
        if (frames < 1 || height < 1 || width < 1 || steps < 1) {
            throw new IllegalArgumentException("defaults " + frames + " frames of " + width + "x" + height + " px, "
                    + steps + " steps must all be >= 1");
        }
        if (!(guidance >= 0) || !(shift > 0)) {
            throw new IllegalArgumentException("defaults guidance " + guidance + " must be >= 0 and shift " + shift + " > 0");
        }
    }
}
