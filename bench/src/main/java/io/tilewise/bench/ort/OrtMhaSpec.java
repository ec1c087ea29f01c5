package io.tilewise.bench.ort;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/**
 * Validated spec of {@code ort-mha}: {@code threads=N} ORT intra-op threads; 0 (default) means as many as our
 * kernels use, so the two are compared on equal cores.
 */
public record OrtMhaSpec(int threads) {

    public static final int MAX_THREADS = 1024;

    public OrtMhaSpec {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("ort-mha: threads=" + threads + " is not allowed; expected 0.." + MAX_THREADS);
        }
    }

    public static OrtMhaSpec parse(MethodSpec spec) {
        SpecReader reader = new SpecReader(spec, "threads");
        int threads = reader.intValue("threads", 0, 0, MAX_THREADS);
        reader.done();
        return new OrtMhaSpec(threads);
    }

    public String canonical() {
        return threads == 0 ? "ort-mha" : "ort-mha:threads=" + threads;
    }
}
