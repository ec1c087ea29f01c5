package io.tilewise.attention.tensor;

import io.tilewise.attention.cpu.Parallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Row permutation of {@code [batch, heads, seqLen, width]} tensors (the same for every head), stored as runs of
 * consecutive rows (a box row of the grid is a run), so a permute is a few block copies per head. Used by the
 * methods that run their tiles on grid boxes (GNA, PISA).
 */
public final class RowPermutation {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int seqLen;
    private final int[] order;
    private final int[] toStart;
    private final int[] fromStart;
    private final int[] length;

    /** {@code order[p]} = source row of destination row {@code p}. */
    public RowPermutation(int[] order) {
        this.seqLen = order.length;
        this.order = order.clone();
        int runs = 0;
        for (int p = 0; p < order.length; p++) {
            if (p == 0 || order[p] != order[p - 1] + 1) runs++;
        }
        toStart = new int[runs];
        fromStart = new int[runs];
        length = new int[runs];
        int r = -1;
        for (int p = 0; p < order.length; p++) {
            if (p == 0 || order[p] != order[p - 1] + 1) {
                r++;
                toStart[r] = p;
                fromStart[r] = order[p];
            }
            length[r]++;
        }
    }

    /** {@code dst[p] = src[order[p]]} for every (batch, head). */
    public void gather(Tensor src, Tensor dst) {
        copy(src, dst, true);
    }

    /** {@code dst[order[p]] = src[p]} for every (batch, head): undoes {@link #gather}. */
    public void scatter(Tensor src, Tensor dst) {
        copy(src, dst, false);
    }

    private void copy(Tensor src, Tensor dst, boolean gather) {
        if (src.seqLen() != seqLen || !src.sameShape(dst)) {
            throw new IllegalArgumentException("permutation of " + seqLen + " rows cannot map " + src.shapeString()
                    + " to " + dst.shapeString());
        }
        MemorySegment from = src.segment();
        MemorySegment to = dst.segment();
        long rowBytes = (long) src.headDim() * Float.BYTES;
        int heads = src.heads();
        Parallel.forEach(src.batch() * heads, i -> {
            long head = src.rowOffset(i / heads, i % heads, 0) * Float.BYTES;
            for (int r = 0; r < length.length; r++) {
                long a = head + (gather ? fromStart[r] : toStart[r]) * rowBytes;
                long b = head + (gather ? toStart[r] : fromStart[r]) * rowBytes;
                MemorySegment.copy(from, a, to, b, length[r] * rowBytes);
            }
        });
    }

    /** Rows permuted: the sequence length. */
    public int seqLen() {
        return seqLen;
    }

    /** Source row of permuted row {@code p}. */
    public int sourceRow(int p) {
        return order[p];
    }

    /**
     * Head {@code (b, h)} of {@code src} in permuted order into {@code dst} at {@code dstOffset}: the gather fused into
     * the copy a kernel makes anyway, so no permuted tensor is written.
     */
    public void gatherHead(Tensor src, int b, int h, float[] dst, int dstOffset) {
        requireRows(src);
        int width = src.headDim();
        MemorySegment from = src.segment();
        long head = src.rowOffset(b, h, 0);
        for (int r = 0; r < length.length; r++) {
            MemorySegment.copy(from, FLOAT, (head + (long) fromStart[r] * width) * Float.BYTES, dst,
                    dstOffset + toStart[r] * width, length[r] * width);
        }
    }

    /** Permuted rows {@code [p, p + count)} of head {@code (b, h)} of {@code src} into {@code dst}, row by row. */
    public void gatherRows(Tensor src, int b, int h, int p, int count, float[] dst, int dstOffset) {
        requireRows(src);
        int width = src.headDim();
        for (int i = 0; i < count; i++) src.copyRowsTo(b, h, order[p + i], 1, dst, dstOffset + i * width);
    }

    /** Writes {@code count} rows of {@code src} as permuted rows {@code [p, p + count)} of head {@code (b, h)}. */
    public void scatterRows(float[] src, int srcOffset, Tensor dst, int b, int h, int p, int count) {
        requireRows(dst);
        int width = dst.headDim();
        for (int i = 0; i < count; i++) dst.copyRowsFrom(b, h, order[p + i], 1, src, srcOffset + i * width);
    }

    private void requireRows(Tensor t) {
        if (t.seqLen() != seqLen) {
            throw new IllegalArgumentException("permutation of " + seqLen + " rows cannot map " + t.shapeString());
        }
    }

    /** The permutation of {@code order}, or null when there is nothing to move (a null or identity order). */
    public static RowPermutation ofOrder(int[] order) {
        return order == null || isIdentity(order) ? null : new RowPermutation(order);
    }

    private static boolean isIdentity(int[] order) {
        for (int p = 0; p < order.length; p++) {
            if (order[p] != p) return false;
        }
        return true;
    }
}
