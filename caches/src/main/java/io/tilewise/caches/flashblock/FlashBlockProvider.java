package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code flashblock} with {@link io.tilewise.attention.spec.AttentionMethods}. */
public final class FlashBlockProvider implements AttentionMethodProvider {

    @Override
    public String id() {
        return "flashblock";
    }

    @Override
    public String summary() {
        return "flashblock:tau=N,drift=X,context=C,chunk=F — block-causal models: block-external attention cached, refreshed every N "
                + "steps (and when the queries moved more than X, relative L2), merged by LSE; only chunks with >= C earlier chunks cache "
                + "(default tau 2, drift 0 = off, context 0 = all; chunk = the model's)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new FlashBlockKernel(FlashBlockSpec.parse(spec));
    }
}
