package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;

/**
 * A kernel whose work is a {@link BlockSparsePlan}: the cost model and the mask inspector read the plan. Methods
 * whose plan depends on the inputs (PISA) return the plan for representative seeded inputs.
 */
public interface PlannedKernel extends AttentionKernel {

    /** The plan executed for this shape, in the order the executor sees the tokens. */
    BlockSparsePlan plan(AttentionShape shape);
}
