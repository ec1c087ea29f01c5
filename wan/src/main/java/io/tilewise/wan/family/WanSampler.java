package io.tilewise.wan.family;

import io.tilewise.pipeline.family.Sampler;
import io.tilewise.wan.scheduler.WanScheduler;

/**
 * One of Wan's schedulers ({@code unipc}, {@code euler}) as the step loop drives a sampler: the model time of a step
 * is the scheduler's timestep / 1000 (flow time, 1 = noise; the stages scale it back to the 0–1000 the transformer
 * takes), and a step replaces the latent with the scheduler's next sample.
 */
final class WanSampler implements Sampler {

    private final WanScheduler scheduler;
    private final float[] timesteps;

    WanSampler(WanScheduler scheduler, int steps) {
        this.scheduler = scheduler;
        scheduler.setTimesteps(steps);
        this.timesteps = scheduler.timesteps();
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public double time(int step) {
        return timesteps[step] / 1000.0;
    }

    /** The timestep the transformer receives for a model time (exactly the scheduler's float32 value). */
    static float timestep(double time) {
        return (float) (time * 1000.0);
    }

    @Override
    public void step(int step, float[] output, float[] x) {
        float[] next = scheduler.step(output, timesteps[step], x);
        System.arraycopy(next, 0, x, 0, x.length);
    }
}
