package io.tilewise.attention.cpu;

import io.tilewise.attention.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds NaN and ±Inf in a tensor. One vectorized pass accumulates {@code x − x}, which is 0 for every finite value
 * and NaN otherwise, so a clean tensor costs one read of its memory; only a dirty one is searched element by
 * element for the first bad index.
 */
public final class FiniteScan {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private FiniteScan() {
    }

    /** Index (in row-major {@code [b, h, t, d]} order) of the first NaN or infinity, or −1 when all are finite. */
    public static long firstNonFinite(Tensor tensor) {
        MemorySegment s = tensor.segment();
        long count = tensor.elementCount();
        if (allFinite(s, count)) return -1;
        for (long i = 0; i < count; i++) {
            if (!Float.isFinite(s.getAtIndex(FLOAT, i))) return i;
        }
        return -1;
    }

    private static boolean allFinite(MemorySegment s, long count) {
        int lanes = SPECIES.length();
        long vectorEnd = count - count % lanes;
        FloatVector acc = FloatVector.zero(SPECIES);
        long i = 0;
        for (; i < vectorEnd; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, s, i * Float.BYTES, ByteOrder.nativeOrder());
            acc = acc.add(v.sub(v));
        }
        float tail = 0;
        for (; i < count; i++) {
            float x = s.getAtIndex(FLOAT, i);
            tail += x - x;
        }
        return tail == 0 && acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD) == 0;
    }

    /** Where index {@code i} of {@code tensor} is, as {@code [batch b, head h, token t, dim d]}. */
    public static String position(Tensor tensor, long i) {
        int d = (int) (i % tensor.headDim());
        long row = i / tensor.headDim();
        int t = (int) (row % tensor.seqLen());
        long bh = row / tensor.seqLen();
        int h = (int) (bh % tensor.heads());
        int b = (int) (bh / tensor.heads());
        return (tensor.batch() > 1 ? "batch " + b + ", " : "") + "head " + h + ", token " + t + ", dim " + d;
    }
}
