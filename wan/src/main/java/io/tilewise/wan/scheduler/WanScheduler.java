package io.tilewise.wan.scheduler;

/**
 * A flow-matching sampler as Wan's pipeline drives it: {@link #setTimesteps(int)}, then for each
 * {@code t = timesteps()[i]} in order: the transformer's velocity at {@code t}, then {@link #step}. Like
 * {@code WanPipeline}, which calls {@code set_begin_index(0)}, the step index starts at 0 and advances by one per
 * step. Latents are float32 arrays of any shape, flattened.
 */
public interface WanScheduler {

    /** Builds the schedule for {@code steps} denoising steps and resets the multistep history. */
    void setTimesteps(int steps);

    /**
     * The timesteps to hand the transformer, one per step, as the model receives them (UniPC: whole numbers, as
     * diffusers passes int64; Euler: float32 values).
     */
    float[] timesteps();

    /** The float32 sigmas, one per step plus the final one (0 with final_sigmas_type zero). */
    float[] sigmas();

    /**
     * One denoising step: the sample at the next sigma, as a new array.
     *
     * @param modelOutput the transformer's flow prediction (after guidance) at {@code timestep}
     * @param timestep    must be {@code timesteps()[stepIndex()]}
     * @param sample      the current latents
     */
    float[] step(float[] modelOutput, float timestep, float[] sample);

    /** Steps taken since {@link #setTimesteps(int)}. */
    int stepIndex();

    /**
     * The scheduler a {@code --scheduler} name picks, configured from the model folder's scheduler config.
     *
     * @param name {@code unipc} or {@code euler}
     */
    static WanScheduler create(String name, SchedulerConfig config) {
        return switch (name) {
            case "unipc" -> new UniPcScheduler(config);
            case "euler" -> new FlowMatchEulerScheduler(config.numTrainTimesteps(), config.eulerShift());
            default -> throw new IllegalArgumentException("--scheduler " + name + " is not one of: unipc, euler");
        };
    }
}
