package io.tilewise.attention.tornado;

import io.tilewise.attention.blocksparse.TileSummaries;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * PISA's tile summaries of every head of one batch element as TornadoVM arrays: mean keys and values
 * {@code [heads][kTiles][headDim]}, log tile sizes {@code [heads][kTiles]}, first-order rows
 * {@code [heads][seqLen][headDim]} (one unused element when the method has no first-order term). Plans without
 * approximation get the one-element placeholders, never read.
 */
final class DeviceSummaries {

    final FloatArray keyMeans;
    final FloatArray valueMeans;
    final FloatArray logCounts;
    final FloatArray firstOrder;
    final boolean hasFirstOrder;

    private DeviceSummaries(int heads, int kTiles, int seqLen, int headDim, boolean firstOrder) {
        keyMeans = new FloatArray(Math.max(1, heads * kTiles * headDim));
        valueMeans = new FloatArray(Math.max(1, heads * kTiles * headDim));
        logCounts = new FloatArray(Math.max(1, heads * kTiles));
        this.firstOrder = new FloatArray(firstOrder ? heads * seqLen * headDim : 1);
        this.hasFirstOrder = firstOrder;
    }

    /** Placeholders for plans without approximated tiles. */
    static DeviceSummaries none() {
        return new DeviceSummaries(0, 0, 0, 0, false);
    }

    static DeviceSummaries sized(int heads, int kTiles, int seqLen, int headDim, boolean firstOrder) {
        return new DeviceSummaries(heads, kTiles, seqLen, headDim, firstOrder);
    }

    /** Copies one summary per head (host side). */
    void load(TileSummaries[] perHead, int kTiles, int seqLen, int headDim) {
        for (int h = 0; h < perHead.length; h++) {
            TileSummaries s = perHead[h];
            copy(s.keyMeans(), keyMeans, h * kTiles * headDim, kTiles * headDim);
            copy(s.valueMeans(), valueMeans, h * kTiles * headDim, kTiles * headDim);
            copy(s.logCounts(), logCounts, h * kTiles, kTiles);
            if (hasFirstOrder) {
                if (s.firstOrder() == null) throw new IllegalArgumentException("head " + h + " has no first-order term");
                copy(s.firstOrder(), firstOrder, h * seqLen * headDim, seqLen * headDim);
            }
        }
    }

    long bytes() {
        return 4L * (keyMeans.getSize() + valueMeans.getSize() + logCounts.getSize() + firstOrder.getSize());
    }

    Object[] arrays() {
        return new Object[] {keyMeans, valueMeans, logCounts, firstOrder};
    }

    private static void copy(float[] src, FloatArray dst, int offset, int count) {
        java.lang.foreign.MemorySegment.copy(src, 0, dst.getSegment(), java.lang.foreign.ValueLayout.JAVA_FLOAT,
                (long) offset * Float.BYTES, count);
    }
}
