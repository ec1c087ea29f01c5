package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Direct buffers with an ORT tensor aliasing them: writing the buffer changes what ORT reads next run, and a
 * pinned output lands in the buffer. Ownership: the ORT tensor is closed by {@link #close()}; the buffer is freed by
 * the GC.
 */
public final class OrtBuffers {

    private OrtBuffers() {
    }

    /** A direct float buffer and its ORT tensor of {@code shape}. */
    public record Floats(FloatBuffer buffer, OnnxTensor tensor, long[] shape) implements AutoCloseable {
        @Override
        public void close() {
            tensor.close();
        }

        public float[] toArray() {
            float[] a = new float[buffer.capacity()];
            buffer.get(0, a);
            return a;
        }

        public void put(float[] values) {
            buffer.put(0, values);
        }

        /** Whether the buffer holds exactly {@code values} (its whole capacity; NaN equals NaN, 0 equals -0). */
        public boolean holds(float[] values) {
            return buffer.capacity() == values.length && buffer.duplicate().clear().mismatch(FloatBuffer.wrap(values)) == -1;
        }
    }

    /** A direct long buffer and its ORT tensor. */
    public record Longs(LongBuffer buffer, OnnxTensor tensor, long[] shape) implements AutoCloseable {
        @Override
        public void close() {
            tensor.close();
        }
    }

    public static Floats floats(OrtEnvironment env, long... shape) {
        long count = count(shape);
        FloatBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        try {
            return new Floats(buffer, OnnxTensor.createTensor(env, buffer, shape), shape.clone());
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create an ORT tensor of shape " + java.util.Arrays.toString(shape) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first {@code items} entries along dimension 0 of {@code all} as a tensor of their own over the same memory
     * (no copy): how a stage runs fewer batch items on buffers sized for all of them.
     */
    public static Floats leading(OrtEnvironment env, Floats all, int items) {
        long[] shape = all.shape().clone();
        if (items < 1 || items > shape[0]) throw new IllegalArgumentException(items + " of " + shape[0] + " batch items");
        shape[0] = items;
        FloatBuffer part = all.buffer().slice(0, Math.toIntExact(count(shape)));
        try {
            return new Floats(part, OnnxTensor.createTensor(env, part, shape), shape);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create an ORT tensor of shape " + java.util.Arrays.toString(shape) + ": " + e.getMessage(), e);
        }
    }

    public static Floats floats(OrtEnvironment env, float[] values, long... shape) {
        Floats f = floats(env, shape);
        f.put(values);
        return f;
    }

    public static Longs longs(OrtEnvironment env, long[] values, long... shape) {
        LongBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(count(shape) * Long.BYTES)).order(ByteOrder.nativeOrder()).asLongBuffer();
        buffer.put(0, values);
        try {
            return new Longs(buffer, OnnxTensor.createTensor(env, buffer, shape), shape.clone());
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create an ORT tensor: " + e.getMessage(), e);
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        if (n * 8 > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of " + n + " values exceeds a direct buffer (2 GiB)");
        return n;
    }

    /**
     * Zero-copy per-batch-item views {@code [1, heads, tokens, headDim]} of a {@code [batch, heads, tokens, headDim]}
     * buffer: how stage outputs reach our attention (and its output reaches the next stage) without a copy.
     */
    public static io.tilewise.attention.tensor.Tensor[] headViews(Floats buffer, int batch, int heads, int tokens, int headDim) {
        java.lang.foreign.MemorySegment all = java.lang.foreign.MemorySegment.ofBuffer(buffer.buffer());
        long bytes = (long) heads * tokens * headDim * Float.BYTES;
        io.tilewise.attention.tensor.Tensor[] views = new io.tilewise.attention.tensor.Tensor[batch];
        for (int b = 0; b < batch; b++) {
            views[b] = io.tilewise.attention.tensor.Tensor.wrap(all.asSlice(b * bytes, bytes), 1, heads, tokens, headDim);
        }
        return views;
    }
}
