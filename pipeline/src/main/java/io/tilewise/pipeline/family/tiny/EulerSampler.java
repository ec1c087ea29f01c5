package io.tilewise.pipeline.family.tiny;

import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.run.FlowMatchEuler;

/** The tiny DiT's sampler: flow-matching Euler on shifted times ({@link FlowMatchEuler}); the model time is t ∈ [0, 1]. */
final class EulerSampler implements Sampler {

    private final double[] times;

    EulerSampler(int steps, double shift) {
        this.times = FlowMatchEuler.times(steps, shift);
    }

    @Override
    public int steps() {
        return times.length - 1;
    }

    @Override
    public double time(int step) {
        return times[step];
    }

    @Override
    public void step(int step, float[] output, float[] x) {
        FlowMatchEuler.step(x, output, times[step + 1] - times[step]);
    }
}
