package io.tilewise.bench.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tilewise.attention.io.CommandLineStack;
import io.tilewise.attention.io.OrtTemporaryFiles;
import io.tilewise.attention.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime's own CPU attention ({@code com.microsoft::MultiHeadAttention}) as the peer baseline of our
 * kernels. One ORT session per (heads, headDim, scale); any batch and sequence length.
 *
 * <p>ORT wants {@code [batch, seqLen, heads·headDim]}; our tensors are {@code [batch, heads, seqLen, headDim]}.
 * {@link #bind} converts the inputs once into ORT tensors over direct buffers and pins a preallocated output, so
 * that {@link Bound#run()} times ORT's attention alone — as in a DiT, where the QKV projection already yields
 * ORT's layout. {@link #forward} includes both conversions.
 *
 * <p>The {@link OrtEnvironment} is ORT's process-wide singleton and is not closed here (ORT releases it at
 * JVM exit); the session, its options and every tensor are.
 */
public final class OrtMultiHeadAttention implements AutoCloseable {

    private final int heads;
    private final int headDim;
    private final float scale;
    private final int threads;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private boolean closed;

    /**
     * @param threads intra-op threads of ORT's pool (e.g. the core count)
     * @throws IllegalStateException when ONNX Runtime cannot load the model (its message is kept)
     */
    public OrtMultiHeadAttention(int heads, int headDim, float scale, int threads) {
        if (heads < 1 || headDim < 1) throw new IllegalArgumentException("heads " + heads + " and headDim " + headDim + " must be >= 1");
        if (threads < 1) throw new IllegalArgumentException("ORT threads " + threads + " must be >= 1");
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException("scale " + scale + " must be a positive number");
        this.heads = heads;
        this.headDim = headDim;
        this.scale = scale;
        this.threads = threads;
        // Created on a thread with a stack sized for the command line: ORT recurses over it (CommandLineStack).
        this.env = CommandLineStack.call("ort-environment", OrtEnvironment::getEnvironment);
        OrtTemporaryFiles.clean(); // ORT's extracted libraries: gone now, its folder at exit, stale ones too
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // ORT's pool threads otherwise busy-wait after each call and take cores from whatever runs next (the
            // benchmark interleaves ORT with our kernels); the wake-up this costs ORT is microseconds per call.
            opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session = env.createSession(MhaGraph.model(heads, headDim, scale), opts);
        } catch (OrtException e) {
            opts.close();
            throw new IllegalStateException("ort-mha: ONNX Runtime could not load MultiHeadAttention (heads " + heads
                    + ", headDim " + headDim + "): " + e.getMessage(), e);
        }
        this.options = opts;
    }

    public int heads() { return heads; }
    public int headDim() { return headDim; }
    public float scale() { return scale; }
    public int threads() { return threads; }

    /** Converts {@code q, k, v} to ORT tensors and pins an output buffer; the caller closes the result. */
    public Bound bind(Tensor q, Tensor k, Tensor v) {
        ensureOpen();
        q.requireSameShape(k, "k");
        q.requireSameShape(v, "v");
        if (q.heads() != heads || q.headDim() != headDim) {
            throw new IllegalArgumentException("ort-mha: session is for " + heads + " heads of " + headDim
                    + ", input is " + q.shapeString());
        }
        return new Bound(q.batch(), q.seqLen(), q, k, v);
    }

    /** Attention including the layout conversion in and out. */
    public void forward(Tensor q, Tensor k, Tensor v, Tensor out) {
        q.requireSameShape(out, "out");
        try (Bound bound = bind(q, k, v)) {
            bound.run();
            bound.copyOutputTo(out);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ort-mha: closing the ONNX Runtime session failed: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("ort-mha session is closed");
    }

    /** Inputs converted to ORT's layout plus a pinned output; {@link #run()} is the timed call. */
    public final class Bound implements AutoCloseable {

        private final int batch;
        private final int seqLen;
        private final FloatBuffer outBuffer;
        private final OnnxTensor query;
        private final OnnxTensor key;
        private final OnnxTensor value;
        private final OnnxTensor output;
        private boolean boundClosed;

        private Bound(int batch, int seqLen, Tensor q, Tensor k, Tensor v) {
            this.batch = batch;
            this.seqLen = seqLen;
            long[] shape = {batch, seqLen, (long) heads * headDim};
            OnnxTensor qt = null, kt = null, vt = null;
            try {
                qt = OnnxTensor.createTensor(env, toOrtLayout(q), shape);
                kt = OnnxTensor.createTensor(env, toOrtLayout(k), shape);
                vt = OnnxTensor.createTensor(env, toOrtLayout(v), shape);
                outBuffer = directFloats(q.elementCount());
                output = OnnxTensor.createTensor(env, outBuffer, shape);
            } catch (OrtException | RuntimeException e) {
                closeAll(qt, kt, vt);
                throw e instanceof RuntimeException r ? r
                        : new IllegalStateException("ort-mha: could not create input tensors: " + e.getMessage(), e);
            }
            this.query = qt;
            this.key = kt;
            this.value = vt;
        }

        /**
         * One ORT attention call into the pinned output.
         *
         * @throws IllegalArgumentException when ORT refuses the shape (ORT's reason is in the message)
         */
        public void run() {
            if (boundClosed) throw new IllegalStateException("ort-mha inputs are closed");
            ensureOpen();
            try (OrtSession.Result ignored = session.run(
                    Map.of(MhaGraph.QUERY, query, MhaGraph.KEY, key, MhaGraph.VALUE, value),
                    Map.of(MhaGraph.OUTPUT, output))) {
                // The result only references the pinned output, which this object owns.
            } catch (OrtException e) {
                throw new IllegalArgumentException("ort-mha: ONNX Runtime MultiHeadAttention refused [batch " + batch
                        + ", heads " + heads + ", seqLen " + seqLen + ", headDim " + headDim + "]: " + e.getMessage(), e);
            }
        }

        /** Writes the last result into {@code out} ({@code [batch, heads, seqLen, headDim]}). */
        public void copyOutputTo(Tensor out) {
            if (out.batch() != batch || out.heads() != heads || out.seqLen() != seqLen || out.headDim() != headDim) {
                throw new IllegalArgumentException("out has shape " + out.shapeString() + ", expected ["
                        + batch + ", " + heads + ", " + seqLen + ", " + headDim + "]");
            }
            float[] head = new float[seqLen * headDim];
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < heads; h++) {
                    for (int t = 0; t < seqLen; t++) {
                        outBuffer.get(ortRow(b, t, h), head, t * headDim, headDim);
                    }
                    out.copyRowsFrom(b, h, 0, seqLen, head, 0);
                }
            }
        }

        @Override
        public void close() {
            if (boundClosed) return;
            boundClosed = true;
            closeAll(query, key, value, output);
        }

        private FloatBuffer toOrtLayout(Tensor t) {
            FloatBuffer buffer = directFloats(t.elementCount());
            float[] head = new float[seqLen * headDim];
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < heads; h++) {
                    t.copyHeadTo(b, h, head, 0);
                    for (int s = 0; s < seqLen; s++) {
                        buffer.put(ortRow(b, s, h), head, s * headDim, headDim);
                    }
                }
            }
            return buffer;
        }

        /** Offset of (b, token, head) in {@code [batch, seqLen, heads·headDim]}. */
        private int ortRow(int b, int token, int h) {
            return (int) ((((long) b * seqLen + token) * heads + h) * headDim);
        }
    }

    private static FloatBuffer directFloats(long count) {
        if (count * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ort-mha: " + count + " floats per tensor exceed a direct buffer (2 GiB)");
        }
        return ByteBuffer.allocateDirect((int) (count * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static void closeAll(OnnxTensor... tensors) {
        for (OnnxTensor t : tensors) {
            if (t != null) t.close();
        }
    }
}
