package io.tilewise.bench.ort;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * {@code ort-mha} as an attention method: dense attention computed by ONNX Runtime. Its sessions convert the
 * layout inside {@code forward}; the benchmark times {@link Session#ort(float)} on bound inputs instead.
 */
public final class OrtMhaKernel implements AttentionKernel {

    private final OrtMhaSpec spec;

    public OrtMhaKernel(OrtMhaSpec spec) {
        this.spec = spec;
    }

    @Override
    public String id() {
        return "ort-mha";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    /** ORT threads: the spec's, else the thread count of our kernels. */
    public int threads() {
        return spec.threads() > 0 ? spec.threads() : Parallel.threads();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        if (!device.host()) return Support.no("ort-mha: only ONNX Runtime's CPU execution provider is wired, not " + device.backend().id());
        long perTensor = (long) shape.batch() * shape.heads() * shape.seqLen() * shape.headDim();
        if (perTensor * Float.BYTES > Integer.MAX_VALUE) {
            return Support.no("ort-mha: " + perTensor + " values per tensor exceed one direct buffer (2 GiB)");
        }
        return Support.yes();
    }

    @Override
    public Session prepare(AttentionShape shape, Device device) {
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new Session(shape, threads());
    }

    /** A session holding one ORT session for the default scale, rebuilt if a call asks for another scale. */
    public static final class Session extends AbstractAttentionSession {

        private final int threads;
        private OrtMultiHeadAttention ort;

        Session(AttentionShape shape, int threads) {
            super(shape);
            this.threads = threads;
            this.ort = new OrtMultiHeadAttention(shape.heads(), shape.headDim(),
                    AttentionContext.standalone().scaleFor(shape.headDim()), threads);
        }

        /** The ORT attention for {@code scale} (for timing on bound inputs). */
        public OrtMultiHeadAttention ort(float scale) {
            if (isClosed()) throw new IllegalStateException("ort-mha session is closed");
            if (ort.scale() != scale) {
                ort.close();
                ort = new OrtMultiHeadAttention(shape().heads(), shape().headDim(), scale, threads);
            }
            return ort;
        }

        @Override
        protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            if (lse != null) {
                throw new IllegalArgumentException("ort-mha: ONNX Runtime's MultiHeadAttention gives no log-sum-exp (run it without lse)");
            }
            ort(ctx.scaleFor(shape().headDim())).forward(q, k, v, out);
        }

        @Override
        public double executedDensity() {
            return 1.0;
        }

        @Override
        protected void release() {
            ort.close();
        }
    }
}
