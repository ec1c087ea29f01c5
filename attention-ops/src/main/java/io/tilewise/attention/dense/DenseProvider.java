package io.tilewise.attention.dense;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

public final class DenseProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "dense";
    }

    @Override
    public String summary() {
        return "dense — exact attention (fast CPU kernel); the reference every method is measured against";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        new SpecReader(spec).done();
        return new DenseKernel();
    }
}
