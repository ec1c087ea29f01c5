package io.tilewise.attention.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense fp32 tensor {@code [batch, heads, seqLen, headDim]}, row-major, little-endian, off-heap.
 *
 * <p>Ownership: {@link #allocate} owns its memory and frees it on {@link #close()}; {@link #wrap} aliases a
 * caller's segment (e.g. an ONNX Runtime direct buffer) and never frees it. Close is idempotent.
 */
public final class Tensor implements AutoCloseable {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int batch;
    private final int heads;
    private final int seqLen;
    private final int headDim;
    private final MemorySegment segment;
    private final Arena arena;
    private boolean closed;

    private Tensor(int batch, int heads, int seqLen, int headDim, MemorySegment segment, Arena arena) {
        this.batch = batch;
        this.heads = heads;
        this.seqLen = seqLen;
        this.headDim = headDim;
        this.segment = segment;
        this.arena = arena;
    }

    /** A zero-filled tensor that owns its memory (shared arena: any thread may read or write it). */
    public static Tensor allocate(int batch, int heads, int seqLen, int headDim) {
        long count = checkedCount(batch, heads, seqLen, headDim);
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(count * Float.BYTES, 64);
        return new Tensor(batch, heads, seqLen, headDim, segment, arena);
    }

    /** A view of an existing segment; the caller keeps ownership. */
    public static Tensor wrap(MemorySegment segment, int batch, int heads, int seqLen, int headDim) {
        long count = checkedCount(batch, heads, seqLen, headDim);
        if (segment.byteSize() < count * Float.BYTES) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is smaller than tensor ["
                    + batch + ", " + heads + ", " + seqLen + ", " + headDim + "] (" + count * Float.BYTES + " bytes)");
        }
        return new Tensor(batch, heads, seqLen, headDim, segment, null);
    }

    /** A tensor filled with values from {@code data} (row-major). */
    public static Tensor of(float[] data, int batch, int heads, int seqLen, int headDim) {
        long count = checkedCount(batch, heads, seqLen, headDim);
        if (data.length != count) {
            throw new IllegalArgumentException("data has " + data.length + " values, shape needs " + count);
        }
        Tensor t = allocate(batch, heads, seqLen, headDim);
        MemorySegment.copy(data, 0, t.segment, FLOAT, 0, data.length);
        return t;
    }

    /** Seeded standard-normal values times {@code std}: the synthetic inputs of tests and benchmarks. */
    public static Tensor randomNormal(long seed, float std, int batch, int heads, int seqLen, int headDim) {
        Tensor t = allocate(batch, heads, seqLen, headDim);
        SplittableRandom random = new SplittableRandom(seed);
        long count = t.elementCount();
        for (long i = 0; i < count; i++) {
            t.segment.setAtIndex(FLOAT, i, (float) (gaussian(random) * std));
        }
        return t;
    }

    /** A zero tensor of the same shape. */
    public Tensor zerosLike() {
        return allocate(batch, heads, seqLen, headDim);
    }

    /** The matching log-sum-exp tensor {@code [batch, heads, seqLen, 1]}. */
    public Tensor lseLike() {
        return allocate(batch, heads, seqLen, 1);
    }

    public int batch() { return batch; }
    public int heads() { return heads; }
    public int seqLen() { return seqLen; }
    public int headDim() { return headDim; }

    public long elementCount() {
        return (long) batch * heads * seqLen * headDim;
    }

    public MemorySegment segment() {
        ensureOpen();
        return segment;
    }

    /** Little-endian float view over the whole tensor (aliases the memory; for ONNX Runtime). */
    public FloatBuffer asFloatBuffer() {
        ensureOpen();
        return segment.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /** Element offset of row {@code (b, h, t)}. */
    public long rowOffset(int b, int h, int t) {
        return (((long) b * heads + h) * seqLen + t) * headDim;
    }

    public float get(int b, int h, int t, int d) {
        return segment.getAtIndex(FLOAT, rowOffset(b, h, t) + d);
    }

    public void set(int b, int h, int t, int d, float value) {
        segment.setAtIndex(FLOAT, rowOffset(b, h, t) + d, value);
    }

    /** Copies head {@code (b, h)} ({@code seqLen·headDim} values) into {@code dst} at {@code dstOffset}. */
    public void copyHeadTo(int b, int h, float[] dst, int dstOffset) {
        ensureOpen();
        MemorySegment.copy(segment, FLOAT, rowOffset(b, h, 0) * Float.BYTES, dst, dstOffset, seqLen * headDim);
    }

    /** Copies {@code count} rows starting at {@code t} of head {@code (b, h)} into {@code dst}. */
    public void copyRowsTo(int b, int h, int t, int count, float[] dst, int dstOffset) {
        MemorySegment.copy(segment, FLOAT, rowOffset(b, h, t) * Float.BYTES, dst, dstOffset, count * headDim);
    }

    /** Writes {@code count} rows starting at {@code t} of head {@code (b, h)} from {@code src}. */
    public void copyRowsFrom(int b, int h, int t, int count, float[] src, int srcOffset) {
        MemorySegment.copy(src, srcOffset, segment, FLOAT, rowOffset(b, h, t) * Float.BYTES, count * headDim);
    }

    /** All values, row-major (for tests and small tensors). */
    public float[] toArray() {
        ensureOpen();
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor too large for an array: " + count);
        float[] data = new float[(int) count];
        MemorySegment.copy(segment, FLOAT, 0, data, 0, data.length);
        return data;
    }

    public void copyFrom(Tensor other) {
        requireSameShape(other, "source");
        MemorySegment.copy(other.segment(), 0, segment(), 0, elementCount() * Float.BYTES);
    }

    public void fill(float value) {
        ensureOpen();
        long count = elementCount();
        for (long i = 0; i < count; i++) segment.setAtIndex(FLOAT, i, value);
    }

    public boolean sameShape(Tensor other) {
        return batch == other.batch && heads == other.heads && seqLen == other.seqLen && headDim == other.headDim;
    }

    public void requireSameShape(Tensor other, String name) {
        if (!sameShape(other)) {
            throw new IllegalArgumentException(name + " has shape " + other.shapeString() + ", expected " + shapeString());
        }
    }

    public String shapeString() {
        return Arrays.toString(new int[] {batch, heads, seqLen, headDim});
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (arena != null) arena.close();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("tensor " + shapeString() + " is closed");
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }

    private static long checkedCount(int batch, int heads, int seqLen, int headDim) {
        if (batch < 1 || heads < 1 || seqLen < 1 || headDim < 1) {
            throw new IllegalArgumentException("tensor shape [" + batch + ", " + heads + ", " + seqLen + ", " + headDim
                    + "] must have every size >= 1");
        }
        return (long) batch * heads * seqLen * headDim;
    }

    /** Box-Muller; SplittableRandom has no nextGaussian on every JDK we target. */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
