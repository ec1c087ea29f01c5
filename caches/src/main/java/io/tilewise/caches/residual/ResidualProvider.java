package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;

/** Registers {@code cache} (residual reuse) with {@link AttentionMethods}. */
public final class ResidualProvider implements AttentionMethodProvider {

    @Override
    public String id() {
        return "cache";
    }

    @Override
    public String summary() {
        return "cache(tau=N):METHOD — residual reuse: key tiles METHOD drops are computed every N steps and merged back by LSE "
                + "(default tau 3; METHOD radial, gna, paro:plan=FILE, pisa, blocksparse)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        ResidualSpec parsed = ResidualSpec.parse(spec);
        AttentionKernel inner;
        try {
            inner = AttentionMethods.create(parsed.inner());
        } catch (SpecException e) {
            throw new SpecException("cache: inner method: " + e.getMessage());
        }
        return new ResidualKernel(parsed, inner);
    }
}
