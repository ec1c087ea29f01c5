package io.tilewise.pipeline.report;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.attention.radial.RadialSpec;
import io.tilewise.pipeline.run.AttentionPolicy;

import java.util.Locale;

/**
 * The lowest executed density a method's knobs can reach on a grid, where that floor is structural. Radial keeps
 * frames at temporal distance ≤ 1 whole and every diagonal block band, so below some density no decay helps; only
 * a smaller block does. GNA, PISA and PARO take their density (or window) directly, so they have no such floor.
 */
final class DensityFloor {

    /** The smallest decay the spec allows, i.e. decay → 0. */
    private static final double TINY_DECAY = 1e-9;

    private DensityFloor() {
    }

    /** A sentence naming the floor of the policy's radial rule on {@code shape}, or null when there is none. */
    static String describe(String policy, AttentionShape shape) {
        AttentionPolicy parsed;
        try {
            parsed = AttentionPolicy.parse(policy);
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (AttentionPolicy.Rule rule : parsed.rules()) {
            if (rule.kernel() instanceof RadialKernel radial) {
                RadialSpec s = radial.radialSpec();
                double floor = floor(s, shape);
                return String.format(Locale.ROOT, "radial's density floor on grid %s at block %d is %.3f (decay -> 0; "
                        + "frames at distance <= 1 stay whole), at block %d it is %.3f", shape.layout().grid(), s.block(), floor,
                        Math.max(RadialSpec.MIN_BLOCK, s.block() / 2), floor(new RadialSpec(s.decay(),
                                Math.max(RadialSpec.MIN_BLOCK, s.block() / 2), s.sink()), shape));
            }
        }
        return null;
    }

    static double floor(RadialSpec spec, AttentionShape shape) {
        return new RadialKernel(new RadialSpec(TINY_DECAY, spec.block(), spec.sink())).plan(shape).executedDensity();
    }
}
