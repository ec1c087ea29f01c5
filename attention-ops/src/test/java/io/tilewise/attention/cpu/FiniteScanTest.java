package io.tilewise.attention.cpu;

import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FiniteScanTest {

    /** At every kind of position (vector body, tail, first, last), for NaN, +Inf and −Inf: the first bad index. */
    @Test
    void findsTheFirstNonFiniteValue() {
        SplittableRandom random = new SplittableRandom(3);
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int[] shape : new int[][] {{1, 1, 1, 1}, {1, 2, 7, 3}, {2, 3, 33, 16}}) {
            try (Tensor t = Tensor.randomNormal(1, 1e30f, shape[0], shape[1], shape[2], shape[3])) {
                int n = (int) t.elementCount();
                assertEquals(-1, FiniteScan.firstNonFinite(t), "huge but finite values are finite");
                for (int trial = 0; trial < 20; trial++) {
                    int first = trial == 0 ? 0 : trial == 1 ? n - 1 : random.nextInt(n);
                    float[] data = t.toArray();
                    data[first] = bad[trial % 3];
                    if (first + 1 < n) data[first + 1 + random.nextInt(n - first - 1)] = Float.NaN;
                    try (Tensor dirty = Tensor.of(data, shape[0], shape[1], shape[2], shape[3])) {
                        assertEquals(first, FiniteScan.firstNonFinite(dirty));
                    }
                }
            }
        }
    }

    @Test
    void positionNamesHeadTokenAndDim() {
        try (Tensor t = Tensor.allocate(2, 3, 5, 4)) {
            long index = ((1L * 3 + 2) * 5 + 4) * 4 + 3;
            assertEquals("batch 1, head 2, token 4, dim 3", FiniteScan.position(t, index));
        }
        try (Tensor t = Tensor.allocate(1, 3, 5, 4)) {
            assertEquals("head 0, token 1, dim 2", FiniteScan.position(t, 6));
        }
    }
}
