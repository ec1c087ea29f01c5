package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.Branch;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which attention calls a probed run checks against dense: every layer of every {@code everySteps}-th step (0,
 * everySteps, 2·everySteps, …) and of the last step, on the listed CFG branches.
 */
public record ProbeSampler(int everySteps, Set<Branch> branches) {

    public ProbeSampler {
        if (everySteps < 1) throw new IllegalArgumentException("probe every " + everySteps + " steps: must be >= 1");
        if (branches == null || branches.isEmpty()) throw new IllegalArgumentException("probe branches must not be empty");
        branches = Set.copyOf(branches);
    }

    /** Every {@code everySteps}-th step, conditional branch only (the unconditional one behaves alike). */
    public static ProbeSampler every(int everySteps) {
        return new ProbeSampler(everySteps, EnumSet.of(Branch.COND));
    }

    public boolean sampled(AttentionContext ctx) {
        boolean step = ctx.step() % everySteps == 0 || ctx.step() == ctx.totalSteps() - 1;
        return step && branches.contains(ctx.branch());
    }
}
