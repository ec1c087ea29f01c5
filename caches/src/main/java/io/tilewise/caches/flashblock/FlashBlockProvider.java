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
        return "flashblock:tau=N,chunk=F — block-causal models: block-external attention cached, refreshed every N steps, "
                + "merged by LSE (default tau 2; chunk = the model's causal_chunk_frames)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new FlashBlockKernel(FlashBlockSpec.parse(spec));
    }
}
