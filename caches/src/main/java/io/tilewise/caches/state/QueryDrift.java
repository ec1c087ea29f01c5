package io.tilewise.caches.state;

import io.tilewise.attention.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    /**
     * Relative distance of {@code q} from the snapshot of {@code key}; +∞ when there is none (or shapes differ). One
     * sequential pass over both tensors: a chunk's queries are a few hundred KB, less than a thread hand-off costs.
     */
    public double drift(CacheKey key, Tensor q) {
        Tensor ref = snapshots.get(key);
        if (ref == null || !ref.sameShape(q)) return Double.POSITIVE_INFINITY;
        MemorySegment a = q.segment(), b = ref.segment();
        long count = q.elementCount();
        double d = 0, n = 0;
        for (long i = 0; i < count; i++) {
            float x = a.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float y = b.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            d += (double) (x - y) * (x - y);
            n += (double) y * y;
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
