package io.tilewise.bench.ort;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

/** Registers {@code ort-mha} (ONNX Runtime's CPU MultiHeadAttention) wherever the bench module is on the path. */
public final class OrtMhaProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "ort-mha";
    }

    @Override
    public String summary() {
        return "ort-mha:threads=N — ONNX Runtime's CPU MultiHeadAttention (exact; peer baseline, no log-sum-exp)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new OrtMhaKernel(OrtMhaSpec.parse(spec));
    }
}
