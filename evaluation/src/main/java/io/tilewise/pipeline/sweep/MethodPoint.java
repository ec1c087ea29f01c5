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

    /**
     * The name this setting's series goes by in plots and tables: the method, or with a policy template the method
     * and its template ({@code gna in cache(tau=3):…}), so wrapped settings do not mix with the bare method's.
     */
    public String series() {
        return policy.equals(spec) ? method : method + " in " + policy.replace(spec, "…");
    }

    public boolean isDense() {
        return policy.equals("dense");
    }
}
