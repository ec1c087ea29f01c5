package io.tilewise.attention.cost;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * What a plan costs before it runs (the "simulator" of docs/methods.md §2.2, for every method): token-level
 * density, executed tile-level density, FLOPs and the ideal speedup over dense (dense FLOPs / plan FLOPs).
 *
 * <p>FLOPs count 4·headDim per computed (query, key) pair — QKᵀ and PV multiply-adds — over whole tiles, plus one
 * summary key per (query, approximated tile).
 */
public record CostEstimate(double tokenDensity, double executedDensity, double flops, double denseFlops) {

    public static CostEstimate of(AttentionShape shape, BlockSparsePlan plan) {
        if (plan.seqLen() != shape.seqLen()) {
            throw new IllegalArgumentException("plan is for seqLen " + plan.seqLen() + ", shape has " + shape.seqLen());
        }
        double perPair = 4.0 * shape.headDim() * shape.heads() * shape.batch();
        double pairs = (double) shape.seqLen() * shape.seqLen();
        double approxPairs = 0;
        for (int r = 0; r < plan.planHeads() * plan.qTiles(); r++) {
            int rows = Math.min(plan.qTile(), plan.seqLen() - (r % plan.qTiles()) * plan.qTile());
            approxPairs += (double) rows * (plan.approxEnd(r) - plan.approxStart(r));
        }
        approxPairs /= plan.planHeads();
        double flops = perPair * (plan.executedDensity() * pairs + approxPairs);
        return new CostEstimate(plan.tokenDensity(), plan.executedDensity(), flops, perPair * pairs);
    }

    public static CostEstimate dense(AttentionShape shape) {
        return new CostEstimate(1, 1, shape.denseFlops(), shape.denseFlops());
    }

    /** Dense FLOPs over plan FLOPs: the speedup a kernel running at dense efficiency would reach. */
    public double idealSpeedup() {
        return denseFlops / flops;
    }
}
