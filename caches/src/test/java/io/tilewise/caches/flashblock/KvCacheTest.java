package io.tilewise.caches.flashblock;

import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KvCacheTest {

    private static final int HEADS = 2, D = 4, CHUNK = 3;

    /** A chunk whose every value encodes (chunk, head, row, dim). */
    private static Tensor chunk(int id, float kind) {
        Tensor t = Tensor.allocate(1, HEADS, CHUNK, D);
        for (int h = 0; h < HEADS; h++)
            for (int r = 0; r < CHUNK; r++)
                for (int d = 0; d < D; d++) t.set(0, h, r, d, kind + id * 1000 + h * 100 + r * 10 + d);
        return t;
    }

    private static void add(KvCache cache, int id) {
        try (Tensor k = chunk(id, 0); Tensor v = chunk(id, 0.5f)) {
            for (int l = 0; l < 2; l++) for (int b = 0; b < 2; b++) cache.append(l, b, k, v);
        }
        cache.commit();
    }

    @Test
    void chunksBecomeVisibleAtCommitAndTheWindowSlides() {
        try (KvCache cache = new KvCache(2, 2, HEADS, D, 2, CHUNK)) {
            assertEquals(0, cache.context(0, 0).tokens());
            long v0 = cache.context(0, 0).version();
            try (Tensor k = chunk(1, 0)) {
                cache.append(0, 0, k, k);
                assertEquals(0, cache.context(0, 0).tokens(), "staged, not visible");
                assertThrows(IllegalStateException.class, cache::commit, "every layer and branch first");
            }
            for (int l = 0; l < 2; l++) for (int b = 0; b < 2; b++) {
                try (Tensor k = chunk(1, 0); Tensor v = chunk(1, 0.5f)) {
                    cache.append(l, b, k, v);
                }
            }
            cache.commit();
            assertNotEquals(v0, cache.context(0, 0).version());
            add(cache, 2);
            add(cache, 3);     // window of 2: chunk 1 slides out
            KvContext c = cache.context(1, 1);
            assertEquals(2 * CHUNK, c.tokens());
            assertEquals(2, cache.chunks());
            assertEquals(2000 + 100 + 2 * 10 + 3, c.k().get(0, 1, 2, 3), 0f, "row 2 = chunk 2, row 2");
            assertEquals(3000 + 0 + 1 * 10 + 0 + 0.5f, c.v().get(0, 0, CHUNK + 1, 0), 0f, "row 4 = chunk 3, row 1");
            assertEquals(2L * 2 * 2 * HEADS * 2 * CHUNK * D * Float.BYTES, cache.bytes());
        }
    }

    @Test
    void refusesChunksOfAnotherSizeAndEmptyWindows() {
        assertThrows(IllegalArgumentException.class, () -> new KvCache(1, 1, 1, 1, 0, 3));
        try (KvCache cache = new KvCache(1, 1, HEADS, D, 1, CHUNK); Tensor wrong = Tensor.allocate(1, HEADS, CHUNK + 1, D)) {
            assertThrows(IllegalArgumentException.class, () -> cache.append(0, 0, wrong, wrong));
        }
    }
}
