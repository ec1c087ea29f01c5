package io.tilewise.pipeline.report;

import io.tilewise.pipeline.probe.ProbeSampler;
import io.tilewise.pipeline.run.GenerationRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * A comparison: the base generation (prompt, size, steps, guidance, seed; its policy is ignored), the policies to
 * compare with dense (each optionally with a step cache, named {@code POLICY + STEP-CACHE}, see {@link #label}) (dense itself is always run first, as the reference), how many timed runs per policy, which
 * calls probed runs check (null: no probed runs) and the goals the report measures against.
 */
public record CompareRequest(GenerationRequest base, List<String> policies, int repeats, ProbeSampler probe, Targets targets) {

    /** The goal: at least this end-to-end speedup and mean PSNR, with the same prompt adherence as dense. */
    public record Targets(double speedup, double psnr) {
        public Targets {
            if (!(speedup > 0)) throw new IllegalArgumentException("target speedup " + speedup + " must be > 0");
            if (!Double.isFinite(psnr)) throw new IllegalArgumentException("target PSNR " + psnr + " must be finite");
        }

        public static Targets standard() {
            return new Targets(1.8, 28);
        }
    }

    public CompareRequest {
        if (repeats < 1 || repeats > 100) throw new IllegalArgumentException("repeats " + repeats + " must be in 1..100");
        List<String> methods = new ArrayList<>();
        for (String p : policies) {
            if (!p.strip().equals("dense") && !methods.contains(p.strip())) methods.add(p.strip());
        }
        policies = List.copyOf(methods);
        if (targets == null) targets = Targets.standard();
    }

    /** The policies to run: dense first, then the methods in the order given. */
    public List<String> runOrder() {
        List<String> order = new ArrayList<>();
        order.add("dense");
        order.addAll(policies);
        return order;
    }

    /**
     * The generation of one run: {@code POLICY}, or {@code POLICY + STEP-CACHE} for a run with a step cache (see
     * {@link #label}).
     */
    public GenerationRequest request(String policy) {
        int plus = policy.indexOf(STEP_CACHE_SEPARATOR);
        if (plus < 0) return base.withPolicy(policy);
        return base.withPolicy(policy.substring(0, plus).strip()).withStepCache(policy.substring(plus + STEP_CACHE_SEPARATOR.length()).strip());
    }

    /** Between a policy and its step cache in a run's name; neither grammar uses it. */
    public static final String STEP_CACHE_SEPARATOR = " + ";

    /** The name of the run of {@code policy} with {@code stepCache} ({@code none}: the policy alone). */
    public static String label(String policy, String stepCache) {
        String sc = stepCache == null ? "none" : stepCache.strip();
        return sc.isEmpty() || sc.equals("none") ? policy.strip() : policy.strip() + STEP_CACHE_SEPARATOR + sc;
    }
}
