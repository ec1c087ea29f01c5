package io.tilewise.caches.exec;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.testkit.Attn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Queries of a chunk against a longer key set: checked against the fp64 reference on a sequence that holds the
 * keys first and the queries last, with every query allowed only the first {@code keyCount} keys.
 */
class ContextAttentionTest {

    private static void check(int queries, int keyCount, int capacity, int headDim, long seed) {
        int heads = 2;
        int total = capacity + queries;
        AttentionShape full = AttentionShape.of(1, heads, total, headDim);
        try (Attn.Problem p = Attn.Problem.random(full, seed);
             Attn.Result expected = Attn.reference(p.q(), p.k(), p.v(), (q, k) -> k < keyCount);
             Tensor q = Tensor.allocate(1, heads, queries, headDim);
             Tensor k = Tensor.allocate(1, heads, capacity, headDim);
             Tensor v = Tensor.allocate(1, heads, capacity, headDim);
             Attn.Result actual = Attn.Result.like(q);
             Attn.Result want = Attn.Result.like(q)) {
            float[] rows = new float[total * headDim];
            for (int h = 0; h < heads; h++) {
                p.q().copyRowsTo(0, h, capacity, queries, rows, 0);
                q.copyRowsFrom(0, h, 0, queries, rows, 0);
                p.k().copyRowsTo(0, h, 0, capacity, rows, 0);
                k.copyRowsFrom(0, h, 0, capacity, rows, 0);
                p.v().copyRowsTo(0, h, 0, capacity, rows, 0);
                v.copyRowsFrom(0, h, 0, capacity, rows, 0);
                expected.out().copyRowsTo(0, h, capacity, queries, rows, 0);
                want.out().copyRowsFrom(0, h, 0, queries, rows, 0);
                expected.lse().copyRowsTo(0, h, capacity, queries, rows, 0);
                want.lse().copyRowsFrom(0, h, 0, queries, rows, 0);
            }
            new ContextAttention(headDim).forward(q, k, v, keyCount, Attn.scale(q), actual.out(), actual.lse());
            String what = queries + " queries x " + keyCount + " of " + capacity + " keys, headDim " + headDim;
            Attn.assertClose(want.out(), actual.out(), Attn.REL_L2, what);
            Attn.assertClose(want.lse(), actual.lse(), Attn.REL_L2, what + " lse");
        }
    }

    @Test
    void matchesTheReferenceOnRaggedSizes() {
        check(128, 512, 512, 32, 1);
        check(77, 300, 333, 32, 2);     // query and key counts off the tile sizes, capacity beyond the valid keys
        check(600, 129, 129, 64, 3);    // more than one group of query sub-tiles
        check(5, 1, 8, 16, 4);          // a single key
    }

    @Test
    void refusesAKeyCountOutsideTheCache() {
        try (Tensor q = Tensor.allocate(1, 1, 4, 32); Tensor k = Tensor.allocate(1, 1, 8, 32); Tensor out = q.zerosLike()) {
            ContextAttention attention = new ContextAttention(32);
            assertThrows(IllegalArgumentException.class, () -> attention.forward(q, k, k, 0, 1f, out, null));
            assertThrows(IllegalArgumentException.class, () -> attention.forward(q, k, k, 9, 1f, out, null));
        }
    }
}
