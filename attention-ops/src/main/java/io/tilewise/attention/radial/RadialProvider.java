package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code radial} with {@link io.tilewise.attention.spec.AttentionMethods}. */
public final class RadialProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "radial";
    }

    @Override
    public String summary() {
        return "radial:decay=D,block=B,sink=0|1 — temporal-decay frame bands, B×B blocks (defaults decay 1.0, block 128, sink 0)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new RadialKernel(RadialSpec.parse(spec));
    }
}
