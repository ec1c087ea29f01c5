package io.tilewise.wan.scheduler;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} (static shift, no dynamic shifting, deterministic): the sample
 * moves by {@code (σ_next − σ)·v}. Its schedule holds a quirk kept on purpose: the constructor shifts the training
 * sigmas in float32, and {@code set_timesteps} spans from the shifted σ_max to the <em>already shifted</em> σ_min and
 * then shifts again, so the last sigma is shifted twice. Schedule arithmetic is float64 where diffusers uses numpy and
 * float32 where it uses torch; sigmas and timesteps are float32 as diffusers stores them; the step is float64 on
 * those values, rounded to float32.
 */
public final class FlowMatchEulerScheduler implements WanScheduler {

    private final int trainSteps;
    private final double shift;
    private final double sigmaMax;
    private final double sigmaMin;
    private float[] timesteps;
    private float[] sigmas;
    private int stepIndex;

    public FlowMatchEulerScheduler(int numTrainTimesteps, double shift) {
        if (numTrainTimesteps < 2) throw new IllegalArgumentException("num_train_timesteps must be ≥ 2, got " + numTrainTimesteps);
        if (!(shift > 0)) throw new IllegalArgumentException("shift must be > 0, got " + shift);
        this.trainSteps = numTrainTimesteps;
        this.shift = shift;
        // __init__: float32 training timesteps N..1, sigmas t/N, shifted in float32.
        this.sigmaMax = shiftedFloat32((float) numTrainTimesteps / (float) numTrainTimesteps);
        this.sigmaMin = shiftedFloat32(1f / (float) numTrainTimesteps);
    }

    private float shiftedFloat32(float sigma) {
        float s = (float) shift;
        return s * sigma / (1f + (float) (shift - 1) * sigma);
    }

    @Override
    public void setTimesteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
        // numpy: linspace(σ_max·N, σ_min·N, steps) / N in float64, shifted (again) in float64, then float32.
        double[] t = Linspace.of(sigmaMax * trainSteps, sigmaMin * trainSteps, steps);
        sigmas = new float[steps + 1];
        timesteps = new float[steps];
        for (int i = 0; i < steps; i++) {
            double sigma = t[i] / trainSteps;
            sigma = shift * sigma / (1 + (shift - 1) * sigma);
            sigmas[i] = (float) sigma;
            timesteps[i] = sigmas[i] * (float) trainSteps;
        }
        sigmas[steps] = 0f;
        stepIndex = 0;
    }

    @Override
    public float[] timesteps() {
        return requireSchedule().clone();
    }

    @Override
    public float[] sigmas() {
        requireSchedule();
        return sigmas.clone();
    }

    @Override
    public int stepIndex() {
        return stepIndex;
    }

    @Override
    public float[] step(float[] modelOutput, float timestep, float[] sample) {
        StepChecks.check(requireSchedule(), stepIndex, timestep, modelOutput, sample);
        // diffusers upcasts the sample to float32 and steps in float32 tensor ops; float64 here, rounded once (see
        // UniPcScheduler for why the stored float32 values are kept and the arithmetic between them is not).
        double dt = (double) sigmas[stepIndex + 1] - sigmas[stepIndex];
        float[] out = new float[sample.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (sample[i] + dt * modelOutput[i]);
        stepIndex++;
        return out;
    }

    private float[] requireSchedule() {
        if (timesteps == null) throw new IllegalStateException("setTimesteps has not been called");
        return timesteps;
    }
}
