package io.tilewise.caches.exec;

import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * Element-wise arithmetic on attention outputs and LSEs of one shape, per head over all cores: what residual reuse
 * needs to keep a refresh step's correction {@code O_dense − O_inner} and add it back later.
 */
public final class OutputDelta {

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    private OutputDelta() {
    }

    /** {@code dst = a − b}; {@code dst} may be {@code a} or {@code b}. */
    public static void difference(Tensor a, Tensor b, Tensor dst) {
        perHead(a, b, dst, (x, y, n) -> {
            for (int i = 0; i < n; i++) x[i] -= y[i];
        });
    }

    /** {@code dst = a + b}; {@code dst} may be {@code a} or {@code b}. */
    public static void sum(Tensor a, Tensor b, Tensor dst) {
        perHead(a, b, dst, (x, y, n) -> {
            for (int i = 0; i < n; i++) x[i] += y[i];
        });
    }

    /** {@code dst = log(e^a + e^b)} per row of LSE tensors; −∞ is no part. {@code dst} may be {@code a} or {@code b}. */
    public static void logAddExp(Tensor a, Tensor b, Tensor dst) {
        perHead(a, b, dst, (x, y, n) -> {
            for (int i = 0; i < n; i++) x[i] = PartMerge.logAddExp(x[i], y[i]);
        });
    }

    /** Folds head values {@code y} into {@code x} (n values each). */
    private interface HeadOp {
        void apply(float[] x, float[] y, int n);
    }

    /** Per head over all cores: a's and b's values into buffers, {@code op}, the result into {@code dst}. */
    private static void perHead(Tensor a, Tensor b, Tensor dst, HeadOp op) {
        a.requireSameShape(b, "b");
        a.requireSameShape(dst, "dst");
        int heads = a.heads();
        int n = a.seqLen() * a.headDim();
        Parallel.forEach(a.batch() * heads, bh -> {
            float[][] buf = buffers(n);
            a.copyHeadTo(bh / heads, bh % heads, buf[0], 0);
            b.copyHeadTo(bh / heads, bh % heads, buf[1], 0);
            op.apply(buf[0], buf[1], n);
            dst.copyRowsFrom(bh / heads, bh % heads, 0, a.seqLen(), buf[0], 0);
        });
    }

    private static float[][] buffers(int n) {
        float[][] buf = BUFFERS.get();
        if (buf[0].length < n) {
            buf = new float[][] {new float[n], new float[n]};
            BUFFERS.set(buf);
        }
        return buf;
    }
}
