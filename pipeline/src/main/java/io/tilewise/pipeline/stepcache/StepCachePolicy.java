package io.tilewise.pipeline.stepcache;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which denoising steps reuse (or forecast) the residual of the later transformer blocks instead of computing them,
 * parsed from a spec in the method-spec grammar {@code name[:key=value,…]}.
 *
 * <h2>Caches</h2>
 * <ul>
 *   <li>{@code none} (the default): every step computes every block.</li>
 *   <li>{@code fbcache}: First-Block Cache. The first {@code first} blocks always run; their residual (hidden state
 *       after them minus the input stage's output) is compared with the one of the last <em>computed</em> step,
 *       relative L1 {@code Σ|r − r_prev| / Σ|r_prev|}. Below {@code threshold} the step adds the cached residual of
 *       the remaining blocks instead of running them. {@code threshold=0} never skips.</li>
 *   <li>{@code taylor}: the same decision, but a skipped step adds a Taylor forecast (Newton finite differences in the
 *       step index, {@code order} 1 or 2) of the remaining blocks' residual from the last computed steps.</li>
 *   <li>{@code magcache}: MagCache. A plan ({@code plan=FILE}, from {@code tilewise calibrate magcache}) holds the
 *       ratio of successive residual magnitudes per step and branch, measured once on one prompt; skipping
 *       accumulates {@code |1 − Π ratio|} and skips while the sum is under {@code threshold}. No block needs to run to
 *       decide, so {@code first} defaults to 0 (a skipped step runs the input and output stages only).</li>
 * </ul>
 * Common knobs: {@code warmup=N} (the first N steps always compute), {@code final=N} (so do the last N),
 * {@code max_skip=N} (at most N skipped steps in a row), {@code first=N} (blocks always computed),
 * {@code interval=N} (fbcache and taylor: a fixed schedule instead of the threshold; after warm-up every N-th step
 * computes and the others skip, as FORA and TaylorSeer do; no block has to run to decide, so {@code first} defaults to
 * 0; 0 = off),
 * {@code cfg=N} (CFG caching: with guidance, the unconditional branch runs only on every N-th step outside warm-up
 * and final steps; the others reuse the last cond − uncond output difference; 0 = off). Decisions are per CFG
 * branch, each with its own cache. Errors are {@link SpecException}s naming the key, the value and what is allowed.
 *
 * @param plan magcache only: the plan's file
 */
public record StepCachePolicy(Kind kind, double threshold, int warmup, int finalSteps, int maxSkip, int first, int cfg,
                              int order, Path plan, int interval) {

    /** The cache's decision and reuse rule. */
    public enum Kind { NONE, FBCACHE, TAYLOR, MAGCACHE }

    private static final String[] COMMON = {"threshold", "warmup", "final", "max_skip", "first", "cfg"};

    public static final StepCachePolicy NONE = new StepCachePolicy(Kind.NONE, 0, 0, 0, 0, 0, 0, 0, null, 0);

    /** Parses a step-cache spec; null or blank is {@code none}. */
    public static StepCachePolicy parse(String text) {
        if (text == null || text.isBlank()) return NONE;
        MethodSpec spec;
        try {
            spec = MethodSpec.parse(text.strip());
        } catch (SpecException e) {
            throw new SpecException("step cache '" + text + "': " + e.getMessage());
        }
        try {
            return of(spec);
        } catch (SpecException e) {
            throw new SpecException("step cache " + e.getMessage());
        }
    }

    private static StepCachePolicy of(MethodSpec spec) {
        Kind kind = switch (spec.name()) {
            case "none" -> Kind.NONE;
            case "fbcache" -> Kind.FBCACHE;
            case "taylor" -> Kind.TAYLOR;
            case "magcache" -> Kind.MAGCACHE;
            default -> throw new SpecException("'" + spec.name() + "' is not a step cache; expected none, fbcache, taylor or magcache");
        };
        if (kind == Kind.NONE) {
            new SpecReader(spec).done();
            return NONE;
        }
        String[] keys = switch (kind) {
            case TAYLOR -> concat(concat(COMMON, "order"), "interval");
            case MAGCACHE -> concat(COMMON, "plan");
            default -> concat(COMMON, "interval");
        };
        SpecReader r = new SpecReader(spec, keys);
        int interval = kind == Kind.MAGCACHE ? 0 : r.intValue("interval", 0, 0, 100_000);
        if (interval == 1) throw r.fail("interval", "1", "0 (off: the threshold decides) or >= 2 (every N-th step computes)");
        boolean scheduled = interval > 0;
        if (scheduled && (r.has("threshold") || r.has("max_skip"))) {
            throw new SpecException(spec.name() + ": interval=" + interval + " is a fixed schedule; leave out "
                    + (r.has("threshold") ? "threshold" : "max_skip") + " (they belong to the threshold decision)");
        }
        double threshold = scheduled ? 0 : r.doubleValue("threshold", kind == Kind.MAGCACHE ? 0.06 : 0.08, 0, false, 100);
        int warmup = r.intValue("warmup", 2, 0, 100_000);
        int finalSteps = r.intValue("final", 0, 0, 100_000);
        int maxSkip = scheduled ? interval - 1 : r.intValue("max_skip", 3, 1, 100_000);
        // a schedule or a plan decides without running a block; the threshold caches compare the first blocks' residual
        int minFirst = kind == Kind.MAGCACHE || scheduled ? 0 : 1;
        int first = r.intValue("first", minFirst, minFirst, 1000);
        int cfg = r.intValue("cfg", 0, 0, 100_000);
        if (cfg == 1) throw r.fail("cfg", "1", "0 (off) or an interval >= 2 (the unconditional branch runs every N-th step)");
        int order = kind == Kind.TAYLOR ? r.intValue("order", 1, 1, 2) : 0;
        Path plan = null;
        if (kind == Kind.MAGCACHE) {
            String file = r.string("plan", null);
            if (file == null || file.isBlank()) {
                throw new SpecException("magcache: plan is missing; expected plan=FILE from tilewise calibrate magcache");
            }
            plan = Path.of(file);
        }
        r.done();
        return new StepCachePolicy(kind, threshold, warmup, finalSteps, maxSkip, first, cfg, order, plan, interval);
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    public boolean isNone() {
        return kind == Kind.NONE;
    }

    /** Whether step {@code step} of {@code steps} is a warm-up or final step (always computed). */
    public boolean dense(int step, int steps) {
        return step < warmup || step >= steps - finalSteps;
    }

    /**
     * Whether step {@code step} of {@code steps} computes under the fixed schedule: always without {@code interval};
     * with it, the warm-up and final steps and every {@code interval}-th step after warm-up.
     */
    public boolean scheduled(int step, int steps) {
        return interval == 0 || dense(step, steps) || (step - warmup) % interval == 0;
    }

    /** Canonical text; parsing it gives an equal policy. */
    @Override
    public String toString() {
        if (kind == Kind.NONE) return "none";
        Map<String, String> p = new LinkedHashMap<>();
        if (kind == Kind.MAGCACHE) p.put("plan", plan.toString());
        if (kind == Kind.TAYLOR) p.put("order", Integer.toString(order));
        if (interval > 0) p.put("interval", Integer.toString(interval));
        else p.put("threshold", num(threshold));
        p.put("warmup", Integer.toString(warmup));
        p.put("final", Integer.toString(finalSteps));
        if (interval == 0) p.put("max_skip", Integer.toString(maxSkip));
        p.put("first", Integer.toString(first));
        if (cfg > 0) p.put("cfg", Integer.toString(cfg));
        return new MethodSpec(kind.name().toLowerCase(java.util.Locale.ROOT), p).toString();
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
