package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code pisa} (see {@link PisaSpec} for the keys). */
public final class PisaProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "pisa";
    }

    @Override
    public String summary() {
        return "pisa:density=F,block=N,first_order=0|1,bias=0|1,keep_or_drop=0|1,tile=auto|none|FxHxW — top-k key blocks "
                + "exact, the rest Taylor-approximated (defaults 0.15, 64, 1, 1, 0, auto; keep_or_drop=1 drops them instead; "
                + "on a grid blocks are boxes of neighbouring tokens)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new PisaKernel(PisaSpec.parse(spec));
    }
}
