package io.tilewise.bench;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.metrics.PhaseTimes;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.bench.ort.OrtMhaKernel;
import io.tilewise.bench.ort.OrtMultiHeadAttention;

import java.util.Map;

/**
 * A prepared method under test: {@link #call()} is exactly what is timed; {@link #output()} gives the result of
 * the last call in our layout.
 */
sealed interface Candidate extends AutoCloseable {

    AttentionKernel kernel();

    void call();

    Tensor output();

    double executedDensity();

    int threads();

    /** Where the calls run, e.g. {@code cpu (host CPU)}. */
    String device();

    /** Nanoseconds per phase of the last call, when the session reports phases ({@link PhaseTimes}); else empty. */
    default Map<String, Long> phaseNanos() {
        return Map.of();
    }

    @Override
    void close();

    /**
     * Prepares {@code kernel} for the inputs on {@code backend} (ORT's MultiHeadAttention always on its CPU provider);
     * ORT is bound to converted inputs so that its timing excludes conversion.
     */
    static Candidate prepare(AttentionKernel kernel, AttentionShape shape, Tensor q, Tensor k, Tensor v, AttentionContext ctx,
                             BackendChoice backend) {
        if (kernel instanceof OrtMhaKernel ort) {
            Support support = kernel.supports(shape, Device.CPU);
            if (!support.supported()) throw new IllegalArgumentException(support.reason());
            return new Ort(ort, shape, q, k, v, ctx);
        }
        Support support = backend.supports(kernel, shape);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        AttentionSession session = backend.prepare(kernel, shape);
        String device = session instanceof DeviceTransfers ? backend.device().toString() : Device.CPU.toString();
        return new Ours(kernel, session, q, k, v, ctx, q.zerosLike(), device);
    }

    /** One of our kernels: a session forward into a preallocated output. */
    record Ours(AttentionKernel kernel, AttentionSession session, Tensor q, Tensor k, Tensor v, AttentionContext ctx,
                Tensor output, String device) implements Candidate {

        @Override
        public void call() {
            session.forward(q, k, v, ctx, output);
        }

        @Override
        public double executedDensity() {
            return session.executedDensity();
        }

        @Override
        public Map<String, Long> phaseNanos() {
            return session instanceof PhaseTimes p ? p.lastPhaseNanos() : Map.of();
        }

        @Override
        public int threads() {
            return Parallel.threads();
        }

        @Override
        public void close() {
            try (output) {
                session.close();
            }
        }
    }

    /** ONNX Runtime's MultiHeadAttention on inputs converted once; the output is converted back on request. */
    final class Ort implements Candidate {
        private final OrtMhaKernel kernel;
        private final OrtMhaKernel.Session session;
        private final OrtMultiHeadAttention.Bound bound;
        private final Tensor output;

        Ort(OrtMhaKernel kernel, AttentionShape shape, Tensor q, Tensor k, Tensor v, AttentionContext ctx) {
            this.kernel = kernel;
            this.session = kernel.prepare(shape, Device.CPU);
            try {
                this.bound = session.ort(ctx.scaleFor(shape.headDim())).bind(q, k, v);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            this.output = q.zerosLike();
        }

        @Override
        public AttentionKernel kernel() {
            return kernel;
        }

        @Override
        public void call() {
            bound.run();
        }

        @Override
        public Tensor output() {
            bound.copyOutputTo(output);
            return output;
        }

        @Override
        public double executedDensity() {
            return 1.0;
        }

        @Override
        public int threads() {
            return kernel.threads();
        }

        @Override
        public String device() {
            return "cpu (ONNX Runtime)";
        }

        @Override
        public void close() {
            try (output; session) {
                bound.close();
            }
        }
    }
}
