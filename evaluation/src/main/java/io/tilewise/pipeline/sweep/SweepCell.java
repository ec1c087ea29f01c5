package io.tilewise.pipeline.sweep;

/**
 * One cell of a sweep. Its {@code key} names it uniquely and stably (resume matches finished cells by key); its
 * {@code group} names the dense reference it is measured against (same prompt, seed and size, or same shape and
 * inputs).
 *
 * @param size   generation cells: the video size
 * @param shape  attention cells: the operator shape and inputs
 * @param prompt generation cells only
 */
public record SweepCell(int index, String key, String group, SweepSpec.Level level, MethodPoint point, String prompt, long seed,
                        VideoSize size, OperatorShape shape) {

    static SweepCell generation(int index, MethodPoint point, String prompt, long seed, VideoSize size) {
        String group = size + " | seed " + seed + " | " + prompt;
        return new SweepCell(index, point.label() + " | " + group, group, SweepSpec.Level.GENERATION, point, prompt, seed, size, null);
    }

    static SweepCell attention(int index, MethodPoint point, OperatorShape shape, long seed) {
        String group = shape + (shape.captured() ? "" : " | seed " + seed);
        return new SweepCell(index, point.spec() + " | " + group, group, SweepSpec.Level.ATTENTION, point, null, seed, null, shape);
    }
}
