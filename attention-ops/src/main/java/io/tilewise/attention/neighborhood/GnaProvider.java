package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code gna} with {@link io.tilewise.attention.spec.AttentionMethods}. */
public final class GnaProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "gna";
    }

    @Override
    public String summary() {
        return "gna:window=FxHxW,stride=FxHxW,dilation=FxHxW,causal=FxHxW — generalized neighborhood attention "
                + "(NATTEN semantics; stride/dilation default 1, causal 0; text rows and columns dense)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new GnaKernel(GnaSpec.parse(spec));
    }
}
