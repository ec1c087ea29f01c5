package io.tilewise.caches.residual;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code cache(tau=N[,reuse=delta|lse]):<inner spec>} — residual reuse around a sparse method: the key tiles the
 * inner method drops are computed exactly at a refresh step (every {@code tau} steps per layer and CFG branch) and
 * their contribution is put back into the inner method's result at the steps between.
 *
 * @param tau   refresh interval in denoising steps; 1 recomputes the dropped tiles every step (= dense)
 * @param reuse how the cached contribution is put back, see {@link Reuse}
 * @param inner the sparse method's spec
 */
public record ResidualSpec(int tau, Reuse reuse, MethodSpec inner) {

    /** How a refresh's dropped part is reused between refreshes. */
    public enum Reuse {
        /**
         * Keep the correction {@code Δ = O_dense − O_inner} of the refresh step and add it to the inner output:
         * {@code O ≈ O_inner(now) + Δ}. The default: on the bundled bidirectional model it gained 3.7–8.6 dB over
         * the sparse method alone where {@link #LSE} lost 0.3–1.9 dB (issue 7 notes).
         */
        DELTA,
        /**
         * Keep the dropped part's own output and LSE and merge them with the inner part by LSE (FlashBlock's
         * residual reuse, docs/methods.md §6.1 step 3). Exact while the dropped keys and the queries stay put (a
         * key/value cache); when all tokens move every step, as in a bidirectional model, the stale LSE mis-weights
         * the two parts.
         */
        LSE;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final int DEFAULT_TAU = 3;
    public static final int MAX_TAU = 1000;

    /** The wrapper's canonical text, {@code cache(tau=N[,reuse=lse]):} (delta, the default, is left out). */
    public String prefix() {
        return "cache(tau=" + tau + (reuse == Reuse.DELTA ? "" : ",reuse=" + reuse.word()) + "):";
    }

    public ResidualSpec {
        if (tau < 1 || tau > MAX_TAU) throw new IllegalArgumentException("tau " + tau + " must be in 1.." + MAX_TAU);
        if (inner == null) throw new IllegalArgumentException("inner method must be given");
        if (reuse == null) throw new IllegalArgumentException("reuse must be given");
    }

    public ResidualSpec(int tau, MethodSpec inner) {
        this(tau, Reuse.DELTA, inner);
    }

    public static ResidualSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "tau", "reuse", MethodSpec.INNER);
        int tau = r.intValue("tau", DEFAULT_TAU, 1, MAX_TAU);
        String word = r.string("reuse", "delta");
        Reuse reuse = switch (word) {
            case "delta" -> Reuse.DELTA;
            case "lse" -> Reuse.LSE;
            default -> throw r.fail("reuse", word, "delta or lse");
        };
        r.done();
        MethodSpec inner = spec.inner();
        if (inner == null) {
            throw new SpecException("cache: no inner method; write cache(tau=N):METHOD, e.g. cache(tau=3):radial:decay=0.2");
        }
        if (inner.name().equals("cache")) throw new SpecException("cache: the inner method is a cache itself; use one cache(tau=N)");
        return new ResidualSpec(tau, reuse, inner);
    }
}
