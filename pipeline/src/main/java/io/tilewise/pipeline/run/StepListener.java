package io.tilewise.pipeline.run;

/** Progress callback, called on the generating thread after each denoising step. */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = p -> { };

    void onStep(StepProgress progress);

    /**
     * Progress of a long phase besides the steps ({@code phase} e.g. "text encoding", "decoding"): {@code done} of
     * {@code total} units finished.
     */
    default void onPhase(String phase, int done, int total, long elapsedNanos) {
    }

    /**
     * @param step        the step just finished, 0-based
     * @param totalSteps  number of steps
     * @param timestep    the flow time t of that step (1 = noise)
     * @param elapsedNanos time since the generation started (text encoding included)
     * @param denoiseNanos time spent in denoising steps so far (what a per-step rate and an ETA are made of)
     */
    record StepProgress(int step, int totalSteps, double timestep, long elapsedNanos, long denoiseNanos) {
    }
}
