package io.tilewise.caches.residual;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code cache(tau=N):<inner spec>} — residual reuse around a sparse method: the key tiles the inner method drops
 * are computed exactly at a refresh step (every {@code tau} steps per layer and CFG branch) and their cached
 * output and LSE are merged into the inner method's result at the steps between.
 *
 * @param tau   refresh interval in denoising steps; 1 recomputes the dropped tiles every step (= dense)
 * @param inner the sparse method's spec
 */
public record ResidualSpec(int tau, MethodSpec inner) {

    public static final int DEFAULT_TAU = 3;
    public static final int MAX_TAU = 1000;

    public ResidualSpec {
        if (tau < 1 || tau > MAX_TAU) throw new IllegalArgumentException("tau " + tau + " must be in 1.." + MAX_TAU);
        if (inner == null) throw new IllegalArgumentException("inner method must be given");
    }

    public static ResidualSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "tau", MethodSpec.INNER);
        int tau = r.intValue("tau", DEFAULT_TAU, 1, MAX_TAU);
        r.done();
        MethodSpec inner = spec.inner();
        if (inner == null) {
            throw new SpecException("cache: no inner method; write cache(tau=N):METHOD, e.g. cache(tau=3):radial:decay=0.2");
        }
        if (inner.name().equals("cache")) throw new SpecException("cache: the inner method is a cache itself; use one cache(tau=N)");
        return new ResidualSpec(tau, inner);
    }
}
