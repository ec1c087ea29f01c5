package io.tilewise.pipeline.sweep;

import java.util.List;

/**
 * A sweep, as read from {@code sweep.json} ({@link SweepSpecReader}).
 *
 * <p>{@code level: generation}: policies × parameter values × prompts × seeds × sizes, each generated and compared
 * with dense of the same prompt, seed and size. {@code level: attention}: methods × parameter values × shapes ×
 * seeds on synthetic or captured q, k, v, each compared with dense attention on the same inputs.
 *
 * @param model      model name or directory (generation; null: the default model)
 * @param steps      denoising steps (null: the model's)
 * @param guidance   CFG scale (null: the model's)
 * @param probeEvery probe every N-th step of each method cell against dense (0: no probed runs)
 * @param repeats    timed rounds per operator cell (attention level)
 * @param targets    the goal the report measures settings against
 */
public record SweepSpec(Level level, String model, List<MethodAxis> methods, List<String> prompts, List<Long> seeds,
                        List<VideoSize> sizes, Integer steps, Double guidance, int probeEvery, List<OperatorShape> shapes,
                        int repeats, double targetSpeedup, double targetPsnr) {

    public enum Level { GENERATION, ATTENTION }

    public SweepSpec {
        methods = List.copyOf(methods);
        prompts = List.copyOf(prompts);
        seeds = List.copyOf(seeds);
        sizes = List.copyOf(sizes);
        shapes = List.copyOf(shapes);
    }
}
