package io.tilewise.attention.tensor;

import io.tilewise.attention.cpu.Parallel;

import java.lang.foreign.MemorySegment;

/**
 * Row permutation of {@code [batch, heads, seqLen, width]} tensors (the same for every head), stored as runs of
 * consecutive rows (a box row of the grid is a run), so a permute is a few block copies per head. Used by the
 * methods that run their tiles on grid boxes (GNA, PISA).
 */
public final class RowPermutation {

    private final int seqLen;
    private final int[] toStart;
    private final int[] fromStart;
    private final int[] length;

    /** {@code order[p]} = source row of destination row {@code p}. */
    public RowPermutation(int[] order) {
        this.seqLen = order.length;
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
