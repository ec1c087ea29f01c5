package io.tilewise.caches.flashblock;

import io.tilewise.attention.tensor.Tensor;

/**
 * The key/value cache of finished chunks one attention call sees: {@code k, v [1, heads, capacity, headDim]} with
 * the first {@code tokens} rows valid. {@code version} changes whenever the rows change (a chunk appended, the
 * window slid), so a cached external attention can tell it is stale.
 */
public record KvContext(Tensor k, Tensor v, int tokens, long version) {

    public KvContext {
        if (tokens < 0 || tokens > k.seqLen()) throw new IllegalArgumentException("context tokens " + tokens + " not in 0.." + k.seqLen());
        k.requireSameShape(v, "v");
    }

    /** No earlier chunks (the first chunk). */
    public static KvContext empty(Tensor k, Tensor v) {
        return new KvContext(k, v, 0, 0);
    }
}
