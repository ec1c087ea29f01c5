package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code paro} with the method registry (META-INF/services). */
public final class ParoProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "paro";
    }

    @Override
    public String summary() {
        return "paro:density=F,bits=32|8|4,block=N,sample=N or paro:plan=FILE,bits=N,model=ID"
                + " — per-head axis reordering + static block mask (self-calibrated on the first call or from a plan)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new ParoKernel(ParoSpec.parse(spec));
    }
}
