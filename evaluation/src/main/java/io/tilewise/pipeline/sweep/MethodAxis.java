package io.tilewise.pipeline.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A method and the values of each of its parameters ({@code {"method": "radial", "params": {"decay": [0.1, 0.2],
 * "block": [16, 64]}}}); its settings are the cartesian product, first parameter slowest. An optional policy template
 * with {@code {spec}} wraps each setting, e.g. {@code dense@steps<2;{spec}}; an optional list of step caches
 * ({@code "step_cache": ["none", "fbcache:threshold=0.08"]}) is one more axis, slowest of all.
 */
public record MethodAxis(String method, Map<String, List<String>> params, String policyTemplate, List<String> stepCaches) {

    public static final String SPEC_PLACEHOLDER = "{spec}";

    public MethodAxis {
        if (method == null || !method.matches("[a-z][a-z0-9_-]*")) {
            throw new IllegalArgumentException("method '" + method + "' must be a method id such as radial or gna");
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (v.isEmpty()) throw new IllegalArgumentException(method + ": parameter " + k + " has no values");
            copy.put(k, List.copyOf(v));
        });
        params = java.util.Collections.unmodifiableMap(copy);
        if (policyTemplate != null && !policyTemplate.contains(SPEC_PLACEHOLDER)) {
            throw new IllegalArgumentException(method + ": policy '" + policyTemplate + "' must contain " + SPEC_PLACEHOLDER);
        }
        stepCaches = stepCaches == null || stepCaches.isEmpty() ? List.of("none") : List.copyOf(stepCaches);
    }

    /** An axis without step caches. */
    public MethodAxis(String method, Map<String, List<String>> params, String policyTemplate) {
        this(method, params, policyTemplate, null);
    }

    /** Every setting, in order. */
    public List<MethodPoint> points() {
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combos) {
                for (String value : e.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(e.getKey(), value);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<MethodPoint> points = new ArrayList<>();
        for (String stepCache : stepCaches) for (Map<String, String> c : combos) {
            StringBuilder spec = new StringBuilder(method);
            String sep = ":";
            for (Map.Entry<String, String> e : c.entrySet()) {
                spec.append(sep).append(e.getKey()).append('=').append(e.getValue());
                sep = ",";
            }
            String policy = policyTemplate == null ? spec.toString() : policyTemplate.replace(SPEC_PLACEHOLDER, spec);
            points.add(new MethodPoint(method, c, spec.toString(), policy, stepCache));
        }
        return points;
    }
}
