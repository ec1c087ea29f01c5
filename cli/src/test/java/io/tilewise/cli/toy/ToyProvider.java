package io.tilewise.cli.toy;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/** Registers {@code toy} through the test class path's {@code META-INF/services} file, the way every method is found. */
public final class ToyProvider implements AttentionMethodProvider {

    @Override
    public String id() {
        return "toy";
    }

    @Override
    public String summary() {
        return "toy:stride=S — test-only method: key tiles kt ≡ qt (mod S)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "stride");
        int stride = r.intValue("stride", 2, 1, 1024);
        r.done();
        return new ToyKernel(stride);
    }
}
