package io.tilewise.attention.api;

import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.TileSummaries;
import io.tilewise.attention.tensor.Tensor;

/**
 * The capability of a method that chooses its tiles from each call's q and k (PISA), for one shape: wrappers and
 * backends call it to get the plan of a call — residual reuse freezes it from refresh to refresh, a device backend
 * runs it on the device. The session of such a method is this planner plus the executor.
 */
public interface InputPlanner {

    /** A call's plan (one plan head per head) and, for approximated tiles, one summary per head (else null). */
    record Planned(BlockSparsePlan plan, TileSummaries[] summaries) {
    }

    /** Token order the plans are written in: plan position {@code p} is layout position {@code order[p]}; null = layout order. */
    int[] tokenOrder();

    /** The plan of batch element {@code b} of {@code q, k, v}, which are already in {@link #tokenOrder()}. */
    Planned plan(Tensor q, Tensor k, Tensor v, int b, float scale);

    /** Executed density before the first call (the nominal fraction of tiles kept). */
    double nominalDensity();
}
