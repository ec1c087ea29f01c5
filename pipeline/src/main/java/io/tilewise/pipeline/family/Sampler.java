package io.tilewise.pipeline.family;

/**
 * A model's sampler over one run of denoising steps (a fresh one per clip or chunk: multistep samplers keep state).
 * The loop asks for each step's model time, runs the transformer, combines the CFG branches, then steps.
 */
public interface Sampler {

    int steps();

    /** The time the model is conditioned on at {@code step} (the family's own scale, e.g. flow time in [0, 1]). */
    double time(int step);

    /** Advances {@code x} in place with the guided model output {@code output} of {@code step}. */
    void step(int step, float[] output, float[] x);
}
