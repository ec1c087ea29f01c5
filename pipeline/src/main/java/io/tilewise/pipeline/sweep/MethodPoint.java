package io.tilewise.pipeline.sweep;

import java.util.Map;

/**
 * One method setting of a sweep: the method id, its parameter values, the method spec they make and the policy the
 * cell runs (the spec itself, or the spec placed in a policy template such as {@code dense@steps<2;{spec}}).
 */
public record MethodPoint(String method, Map<String, String> params, String spec, String policy) {

    public MethodPoint {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
    }

    public static MethodPoint dense() {
        return new MethodPoint("dense", Map.of(), "dense", "dense");
    }

    public boolean isDense() {
        return policy.equals("dense");
    }
}
