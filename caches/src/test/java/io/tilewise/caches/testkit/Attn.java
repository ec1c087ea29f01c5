package io.tilewise.caches.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.merge.LseMerge;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test plumbing: seeded problems, the fp64 dense reference (masked), merged references, comparisons. */
public final class Attn {

    public static final double REL_L2 = 1e-4;

    private Attn() {
    }

    /** Seeded q, k, v; keys spread wider than N(0,1) so the softmax is not flat. */
    public record Problem(Tensor q, Tensor k, Tensor v) implements AutoCloseable {
        public static Problem random(AttentionShape shape, long seed) {
            int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
            return new Problem(Tensor.randomNormal(seed, 1.5f, b, h, n, d), Tensor.randomNormal(seed + 1, 1.5f, b, h, n, d),
                    Tensor.randomNormal(seed + 2, 1f, b, h, n, d));
        }

        /** Same keys and values, new queries. */
        public Problem withQueries(long seed) {
            return new Problem(Tensor.randomNormal(seed, 1.5f, q.batch(), q.heads(), q.seqLen(), q.headDim()), copy(k), copy(v));
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
        }
    }

    /** Output and LSE of one attention. */
    public record Result(Tensor out, Tensor lse) implements AutoCloseable {
        public static Result like(Tensor q) {
            return new Result(q.zerosLike(), q.lseLike());
        }

        @Override
        public void close() {
            out.close();
            lse.close();
        }
    }

    public static AttentionShape shape(int heads, int headDim, int frames, int height, int width) {
        return new AttentionShape(1, heads, headDim, TokenLayout.video(new TokenGrid(frames, height, width)));
    }

    public static AttentionContext at(int step, int layer, Branch branch) {
        return new AttentionContext(step, 20, 1.0 - step / 20.0, layer, branch, Float.NaN, null);
    }

    public static float scale(Tensor q) {
        return AttentionContext.standalone().scaleFor(q.headDim());
    }

    /** fp64 reference under a token mask (null = all pairs). */
    public static Result reference(Tensor q, Tensor k, Tensor v, TokenMask mask) {
        Result r = Result.like(q);
        DenseReference.forward(q, k, v, scale(q), mask, r.out(), r.lse());
        return r;
    }

    /** Reference of the union of two disjoint parts computed from different inputs, merged by LSE. */
    public static Result merged(Result a, Result b) {
        Result r = Result.like(a.out());
        r.out().copyFrom(a.out());
        r.lse().copyFrom(a.lse());
        LseMerge.mergeInto(r.out(), r.lse(), b.out(), b.lse());
        return r;
    }

    public static Tensor copy(Tensor t) {
        Tensor c = t.zerosLike();
        c.copyFrom(t);
        return c;
    }

    public static void assertClose(Tensor expected, Tensor actual, double relL2, String what) {
        TensorMetrics m = TensorMetrics.compare(actual, expected);
        assertTrue(m.relL2() <= relL2, () -> what + ": " + m);
    }

    public static void assertBitEqual(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(bits(expected), bits(actual), what + ": not bit-for-bit equal");
    }

    private static int[] bits(Tensor t) {
        float[] a = t.toArray();
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Float.floatToIntBits(a[i]);
        return out;
    }

    public static boolean bitEqual(Tensor x, Tensor y) {
        float[] a = x.toArray();
        float[] b = y.toArray();
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) return false;
        return true;
    }
}
