package io.tilewise.caches.exec;

import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * Runs a {@link BlockSparsePlan} written in permuted token orders ({@link RowOrders}) on tensors in layout order:
 * gathers q, k and v rows into the plan's orders, runs the block-sparse executor, scatters out and LSE back. With
 * identity orders the executor runs on the inputs directly. Buffers are allocated on first use for a shape and kept.
 *
 * <p>One run at a time per instance.
 */
public final class OrderedPlanRunner implements AutoCloseable {

    private final BlockSparseExecutor executor;
    private Tensor q2, k2, v2, out2, lse2;

    public OrderedPlanRunner(int headDim) {
        this.executor = new BlockSparseExecutor(headDim);
    }

    public void run(BlockSparsePlan plan, RowOrders orders, Tensor q, Tensor k, Tensor v, float scale, Tensor out, Tensor lse) {
        if (orders.identity()) {
            executor.execute(plan, q, k, v, scale, out, lse, null);
            return;
        }
        ensure(q);
        int heads = q.heads();
        int n = q.seqLen();
        int d = q.headDim();
        Parallel.forEach(q.batch() * heads, bh -> {
            int b = bh / heads;
            int h = bh % heads;
            float[][] buf = buffers(n * d);
            gather(q, q2, b, h, orders.queryOf(h), d, buf);
            gather(k, k2, b, h, orders.keyOf(h), d, buf);
            gather(v, v2, b, h, orders.keyOf(h), d, buf);
        });
        executor.execute(plan, q2, k2, v2, scale, out2, lse == null ? null : lse2, null);
        Parallel.forEach(q.batch() * heads, bh -> {
            int b = bh / heads;
            int h = bh % heads;
            float[][] buf = buffers(n * d);
            scatter(out2, out, b, h, orders.queryOf(h), d, buf);
            if (lse != null) scatter(lse2, lse, b, h, orders.queryOf(h), 1, buf);
        });
    }

    /** Per-thread row buffers, grown on demand. */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    private static float[][] buffers(int size) {
        float[][] buf = BUFFERS.get();
        if (buf[0].length < size) {
            buf = new float[][] {new float[size], new float[size]};
            BUFFERS.set(buf);
        }
        return buf;
    }

    /** {@code dst[p] = src[order[p]]} for the rows of head (b, h). */
    private static void gather(Tensor src, Tensor dst, int b, int h, int[] order, int width, float[][] buf) {
        int n = src.seqLen();
        src.copyHeadTo(b, h, buf[0], 0);
        if (order == null) {
            dst.copyRowsFrom(b, h, 0, n, buf[0], 0);
            return;
        }
        for (int p = 0; p < n; p++) System.arraycopy(buf[0], order[p] * width, buf[1], p * width, width);
        dst.copyRowsFrom(b, h, 0, n, buf[1], 0);
    }

    /** {@code dst[order[p]] = src[p]} for the rows of head (b, h). */
    private static void scatter(Tensor src, Tensor dst, int b, int h, int[] order, int width, float[][] buf) {
        int n = src.seqLen();
        src.copyHeadTo(b, h, buf[0], 0);
        if (order == null) {
            dst.copyRowsFrom(b, h, 0, n, buf[0], 0);
            return;
        }
        for (int p = 0; p < n; p++) System.arraycopy(buf[0], p * width, buf[1], order[p] * width, width);
        dst.copyRowsFrom(b, h, 0, n, buf[1], 0);
    }

    private void ensure(Tensor q) {
        if (q2 != null && q2.sameShape(q)) return;
        close();
        q2 = q.zerosLike();
        k2 = q.zerosLike();
        v2 = q.zerosLike();
        out2 = q.zerosLike();
        lse2 = q.lseLike();
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {q2, k2, v2, out2, lse2}) {
            if (t != null) t.close();
        }
        q2 = k2 = v2 = out2 = lse2 = null;
    }
}
