package io.tilewise.pipeline.sweep;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.pipeline.run.AttentionPolicy;

import java.util.HashMap;
import java.util.Map;

/**
 * The executed density a policy is expected to have, before running it: the mean over its calls (steps × layers ×
 * branches) of each chosen kernel's {@link AttentionKernel#predictedDensity predicted density} on the shape — its
 * tile plan's (input-dependent plans such as PISA's and self-calibrating PARO's: the representative plan), for
 * {@code cache(tau=N):M} M's density plus the rest of the pairs at one call in N, 1 for kernels without a plan.
 */
final class PolicyDensity {

    private PolicyDensity() {
    }

    static double of(String policy, AttentionShape shape, int steps, int layers, boolean guidance) {
        AttentionPolicy parsed = AttentionPolicy.parse(policy);
        Map<String, Double> byKernel = new HashMap<>();
        double sum = 0;
        int calls = 0;
        Branch[] branches = guidance ? Branch.values() : new Branch[] {Branch.COND};
        for (int step = 0; step < steps; step++) {
            for (int layer = 0; layer < layers; layer++) {
                for (Branch branch : branches) {
                    AttentionKernel k = parsed.kernelFor(layer, step, branch);
                    sum += byKernel.computeIfAbsent(k.spec(), s -> density(k, shape));
                    calls++;
                }
            }
        }
        return calls == 0 ? 1 : sum / calls;
    }

    static double density(AttentionKernel kernel, AttentionShape shape) {
        return kernel.predictedDensity(shape);
    }
}
