package io.tilewise.attention.api;

/**
 * Per-call context: where in the generation this call happens, and the softmax scale.
 *
 * @param step       denoising step, 0-based
 * @param totalSteps number of denoising steps
 * @param timestep   scheduler timestep value
 * @param layer      transformer block index
 * @param branch     CFG branch
 * @param scale      softmax scale; {@code NaN} means the default {@code 1/sqrt(headDim)}
 * @param order      row order of q, k, v
 */
public record AttentionContext(int step, int totalSteps, double timestep, int layer, Branch branch, float scale,
                               TokenOrder order) {

    public AttentionContext {
        if (branch == null) branch = Branch.COND;
        if (order == null) order = TokenOrder.IDENTITY;
    }

    /** A standalone call: step 0 of 1, layer 0, COND, default scale, identity order. */
    public static AttentionContext standalone() {
        return new AttentionContext(0, 1, 0.0, 0, Branch.COND, Float.NaN, TokenOrder.IDENTITY);
    }

    public AttentionContext withStep(int newStep, int newTotalSteps, double newTimestep) {
        return new AttentionContext(newStep, newTotalSteps, newTimestep, layer, branch, scale, order);
    }

    public AttentionContext withLayer(int newLayer) {
        return new AttentionContext(step, totalSteps, timestep, newLayer, branch, scale, order);
    }

    public AttentionContext withBranch(Branch newBranch) {
        return new AttentionContext(step, totalSteps, timestep, layer, newBranch, scale, order);
    }

    public AttentionContext withScale(float newScale) {
        return new AttentionContext(step, totalSteps, timestep, layer, branch, newScale, order);
    }

    /** The scale to use for this head dimension. */
    public float scaleFor(int headDim) {
        return Float.isNaN(scale) ? (float) (1.0 / Math.sqrt(headDim)) : scale;
    }
}
