package io.tilewise.pipeline.sweep;

import java.util.Map;

/**
 * One method setting of a sweep: the method id, its parameter values, the method spec they make, the policy the
 * cell runs (the spec itself, or the spec placed in a policy template such as {@code dense@steps<2;{spec}}) and the
 * step cache it runs with ({@code none}, or e.g. {@code fbcache:threshold=0.08}).
 */
public record MethodPoint(String method, Map<String, String> params, String spec, String policy, String stepCache) {

    public MethodPoint {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        if (stepCache == null || stepCache.isBlank()) stepCache = "none";
    }

    /** A setting without a step cache. */
    public MethodPoint(String method, Map<String, String> params, String spec, String policy) {
        this(method, params, spec, policy, "none");
    }

    public static MethodPoint dense() {
        return new MethodPoint("dense", Map.of(), "dense", "dense");
    }

    public boolean hasStepCache() {
        return !stepCache.equals("none");
    }

    /** The policy, followed by {@code + STEP-CACHE} when the setting has one: what tables and keys name it by. */
    public String label() {
        return hasStepCache() ? policy + " + " + stepCache : policy;
    }

    /**
     * The name this setting's series goes by in plots and tables: the method, or with a policy template the method
     * and its template ({@code gna in cache(tau=3):…}), so wrapped settings do not mix with the bare method's.
     */
    public String series() {
        String base = policy.equals(spec) ? method : method + " in " + policy.replace(spec, "…");
        if (!hasStepCache()) return base;
        int colon = stepCache.indexOf(':');
        return base + " + " + (colon < 0 ? stepCache : stepCache.substring(0, colon));
    }

    /** The dense reference: dense attention and no step cache. */
    public boolean isDense() {
        return policy.equals("dense") && !hasStepCache();
    }
}
