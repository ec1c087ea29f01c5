package io.tilewise.attention.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fused gathers against the definition {@code dst[p] = src[order[p]]}, element by element. */
class RowPermutationTest {

    private static int[] shuffledWithRuns(int n, long seed) {
        // Runs of consecutive rows in shuffled order, as box orders have them.
        SplittableRandom r = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        java.util.Arrays.sort(order, 0, n / 3);
        return order;
    }

    @Test
    void gatherHeadAndRowsReadTheOrderAndScatterRowsWritesItBack() {
        int n = 37, d = 5;
        int[] order = shuffledWithRuns(n, 3);
        RowPermutation perm = new RowPermutation(order);
        try (Tensor src = Tensor.randomNormal(1, 1f, 2, 3, n, d); Tensor back = src.zerosLike()) {
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < 3; h++) {
                    float[] head = new float[n * d + 4];
                    perm.gatherHead(src, b, h, head, 4);
                    float[] rows = new float[9 * d];
                    perm.gatherRows(src, b, h, 20, 9, rows, 0);
                    for (int p = 0; p < n; p++) {
                        assertEquals(order[p], perm.sourceRow(p));
                        for (int x = 0; x < d; x++) {
                            assertEquals(src.get(b, h, order[p], x), head[4 + p * d + x]);
                            if (p >= 20 && p < 29) assertEquals(src.get(b, h, order[p], x), rows[(p - 20) * d + x]);
                        }
                    }
                    for (int p = 0; p < n; p += 6) {
                        int count = Math.min(6, n - p);
                        perm.scatterRows(head, 4 + p * d, back, b, h, p, count);
                    }
                }
            }
            assertArrayEquals(src.toArray(), back.toArray());
            assertThrows(IllegalArgumentException.class, () -> perm.gatherHead(Tensor.allocate(1, 1, n + 1, d), 0, 0,
                    new float[(n + 1) * d], 0));
        }
    }
}
