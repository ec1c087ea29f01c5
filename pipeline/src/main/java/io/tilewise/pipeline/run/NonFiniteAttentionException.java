package io.tilewise.pipeline.run;

import io.tilewise.attention.api.Branch;

/**
 * A NaN or infinity in an attention call's inputs or output, stopping a generation. The message is one line naming
 * the layer, the step, the branch, the tensor (q, k, v or the output) and the first bad position.
 */
public final class NonFiniteAttentionException extends RuntimeException {

    private final int layer;
    private final int step;
    private final Branch branch;
    private final String tensor;

    public NonFiniteAttentionException(String message, int layer, int step, Branch branch, String tensor) {
        super(message);
        this.layer = layer;
        this.step = step;
        this.branch = branch;
        this.tensor = tensor;
    }

    public int layer() { return layer; }
    public int step() { return step; }
    public Branch branch() { return branch; }

    /** {@code q}, {@code k}, {@code v} or {@code output}. */
    public String tensor() { return tensor; }
}
