package io.tilewise.caches.state;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cached parts of one session, one per {@link CacheKey}. Created with the session; {@link #reset()} between
 * generations frees every part. Not thread-safe (a session runs one forward at a time).
 */
public final class CacheStore implements AutoCloseable {

    private final Map<CacheKey, CachedPart> parts = new LinkedHashMap<>();

    /** The part of {@code key}, allocated (unfilled) on first use with the given shape. */
    public CachedPart part(CacheKey key, int batch, int rows, int headDim) {
        CachedPart part = parts.get(key);
        if (part != null && (part.out().batch() != batch || part.out().seqLen() != rows || part.out().headDim() != headDim)) {
            parts.remove(key).close();
            part = null;
        }
        if (part == null) {
            part = new CachedPart(batch, key.heads(), rows, headDim);
            parts.put(key, part);
        }
        return part;
    }

    public int size() {
        return parts.size();
    }

    /** Bytes of every cached output and LSE. */
    public long bytes() {
        long total = 0;
        for (CachedPart p : parts.values()) total += p.bytes();
        return total;
    }

    public void reset() {
        parts.values().forEach(CachedPart::close);
        parts.clear();
    }

    @Override
    public void close() {
        reset();
    }
}
