package io.tilewise.wan.scheduler;

/** The argument checks every {@link WanScheduler#step} makes, with one-line messages. */
final class StepChecks {

    private StepChecks() {
    }

    static void check(float[] timesteps, int stepIndex, float timestep, float[] modelOutput, float[] sample) {
        if (stepIndex >= timesteps.length) {
            throw new IllegalStateException("all " + timesteps.length + " steps are taken; call setTimesteps again");
        }
        if (Float.compare(timestep, timesteps[stepIndex]) != 0) {
            throw new IllegalArgumentException("timestep " + timestep + " is not the schedule's step " + stepIndex
                    + " timestep " + timesteps[stepIndex]);
        }
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("model output has " + modelOutput.length + " values, sample has " + sample.length);
        }
    }
}
