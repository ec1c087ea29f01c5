package io.tilewise.pipeline.probe;

import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;

/**
 * The dense softmax mass on the pairs a method computes exactly, from log-sum-exps: for a query row, the mass of a
 * key set S is {@code Σ_{k∈S} e^{s_k} / Σ_k e^{s_k} = exp(lse_S − lse_all)}, so an attention that computes exactly
 * S and returns its LSE gives the mass without touching the N² probabilities.
 */
public final class MaskMass {

    /** Mean and minimum over rows (and heads, batch). */
    public record Mass(double mean, double min) {
    }

    private MaskMass() {
    }

    /**
     * @param lseMask  log-sum-exp per row over the exactly computed pairs
     * @param lseDense log-sum-exp per row over all pairs
     * @return NaN values when {@code lseMask} holds non-finite entries (a kernel that did not write its LSE)
     */
    public static Mass fromLse(Tensor lseMask, Tensor lseDense) {
        float[] mask = lseMask.toArray();
        float[] dense = lseDense.toArray();
        if (mask.length != dense.length) {
            throw new IllegalArgumentException("LSE sizes differ: " + mask.length + " vs " + dense.length);
        }
        double sum = 0, min = Double.MAX_VALUE;
        for (int i = 0; i < mask.length; i++) {
            if (!Float.isFinite(mask[i])) return new Mass(Double.NaN, Double.NaN);
            // A row's mask LSE can exceed the dense one by rounding only; a mass is at most 1.
            double m = Math.min(1.0, Math.exp((double) mask[i] - dense[i]));
            sum += m;
            min = Math.min(min, m);
        }
        return new Mass(sum / mask.length, min);
    }

    /** The plan's exact tiles (whole and masked) without its approximated ones. */
    public static BlockSparsePlan exactPart(BlockSparsePlan plan) {
        BlockSparsePlan.Builder builder = BlockSparsePlan.builder(plan.seqLen(), plan.qTile(), plan.kTile(), plan.planHeads());
        int words = plan.wordsPerColumn();
        for (int h = 0; h < plan.planHeads(); h++) {
            for (int qt = 0; qt < plan.qTiles(); qt++) {
                int row = plan.row(h, qt);
                for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                    int kt = plan.exactTile(e);
                    int m = plan.maskIndex(e);
                    if (m < 0) {
                        builder.addFull(h, qt, kt);
                        continue;
                    }
                    long[] bits = new long[plan.kTile() * words];
                    int offset = plan.maskOffset(m);
                    for (int i = 0; i < bits.length; i++) bits[i] = plan.maskWord(offset + i);
                    builder.addMaskBits(h, qt, kt, bits);
                }
            }
        }
        return builder.build();
    }
}
