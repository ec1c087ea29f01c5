package io.tilewise.caches.state;

import io.tilewise.attention.tensor.Tensor;

/**
 * One cached partial attention: its normalised output and log-sum-exp per query row (over a key set the caller
 * knows), the step it was computed at, and what it was computed for ({@code tag}: the key set's identity, e.g. a
 * plan or a context length), so a caller can tell when it no longer applies.
 */
public final class CachedPart implements AutoCloseable {

    private final Tensor out;
    private final Tensor lse;
    private int refreshStep = -1;
    private int lastStep = -1;
    private Object tag;

    CachedPart(int batch, int heads, int rows, int headDim) {
        this.out = Tensor.allocate(batch, heads, rows, headDim);
        this.lse = Tensor.allocate(batch, heads, rows, 1);
    }

    public Tensor out() { return out; }
    public Tensor lse() { return lse; }
    public int refreshStep() { return refreshStep; }
    public int lastStep() { return lastStep; }
    public Object tag() { return tag; }

    /** True when the part has been filled at least once. */
    public boolean filled() {
        return refreshStep >= 0;
    }

    /** Records that out and lse were just recomputed at {@code step} for {@code newTag}. */
    public void refreshed(int step, Object newTag) {
        refreshStep = step;
        tag = newTag;
    }

    /** Records that the part was used (or refreshed) at {@code step}. */
    public void used(int step) {
        lastStep = step;
    }

    public long bytes() {
        return (out.elementCount() + lse.elementCount()) * Float.BYTES;
    }

    @Override
    public void close() {
        out.close();
        lse.close();
    }
}
