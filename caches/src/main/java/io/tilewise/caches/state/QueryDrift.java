package io.tilewise.caches.state;

import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * How far a call's queries moved from the queries a cached part was computed with: {@code ‖q − q_ref‖ / ‖q_ref‖}
 * over all heads and rows of the call. A cached attention to fixed keys is only as good as the queries it was
 * computed for; this lets a cache refresh when they drifted (early, noisy denoising steps) and reuse longer when
 * they are stable. Keeps one query snapshot per {@link CacheKey}.
 */
public final class QueryDrift implements AutoCloseable {

    private final Map<CacheKey, Tensor> snapshots = new HashMap<>();

    /** Relative distance of {@code q} from the snapshot of {@code key}; +∞ when there is none (or shapes differ). */
    public double drift(CacheKey key, Tensor q) {
        Tensor ref = snapshots.get(key);
        if (ref == null || !ref.sameShape(q)) return Double.POSITIVE_INFINITY;
        int heads = q.heads();
        int rows = q.seqLen() * q.headDim();
        double[] diff = new double[q.batch() * heads];
        double[] norm = new double[q.batch() * heads];
        ThreadLocal<float[][]> buffers = ThreadLocal.withInitial(() -> new float[][] {new float[rows], new float[rows]});
        Parallel.forEach(q.batch() * heads, bh -> {
            float[][] buf = buffers.get();
            q.copyHeadTo(bh / heads, bh % heads, buf[0], 0);
            ref.copyHeadTo(bh / heads, bh % heads, buf[1], 0);
            double d = 0, n = 0;
            for (int i = 0; i < rows; i++) {
                double x = buf[0][i] - buf[1][i];
                d += x * x;
                n += (double) buf[1][i] * buf[1][i];
            }
            diff[bh] = d;
            norm[bh] = n;
        });
        double d = 0, n = 0;
        for (int i = 0; i < diff.length; i++) {
            d += diff[i];
            n += norm[i];
        }
        return n == 0 ? (d == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(d / n);
    }

    /** Remembers {@code q} as the queries of {@code key}'s cached part. */
    public void snapshot(CacheKey key, Tensor q) {
        Tensor ref = snapshots.get(key);
        if (ref == null || !ref.sameShape(q)) {
            if (ref != null) ref.close();
            ref = q.zerosLike();
            snapshots.put(key, ref);
        }
        ref.copyFrom(q);
    }

    public long bytes() {
        long total = 0;
        for (Tensor t : snapshots.values()) total += t.elementCount() * Float.BYTES;
        return total;
    }

    public void reset() {
        snapshots.values().forEach(Tensor::close);
        snapshots.clear();
    }

    @Override
    public void close() {
        reset();
    }
}
