package io.tilewise.caches.exec;

import io.tilewise.attention.cpu.FlashTile;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * Dense attention of a block of queries to a different, longer set of keys: the block-external part of
 * block-causal generation, where the current chunk's queries attend the key/value cache of earlier chunks. Flash
 * attention on {@link FlashTile}s (query rows in vector lanes, key chunks of {@link FlashTile#CHUNK}, online
 * softmax, LSE out); work items are (head, group of query sub-tiles) over all cores, and each group shares every
 * pass over a key chunk, as in the block-sparse executor.
 *
 * <p>One forward at a time per instance: it reuses its key and value buffers.
 */
public final class ContextAttention {

    /** Query sub-tiles sharing one pass over the keys (as BlockSparseExecutor's GROUP). */
    private static final int GROUP = 16;

    private final int headDim;
    private final ThreadLocal<FlashTile[]> tiles;
    private final ThreadLocal<float[]> lseRows = ThreadLocal.withInitial(() -> new float[FlashTile.ROWS]);
    private float[][] keys = new float[0][];
    private float[][] values = new float[0][];

    public ContextAttention(int headDim) {
        this.headDim = headDim;
        this.tiles = ThreadLocal.withInitial(() -> {
            FlashTile[] t = new FlashTile[GROUP];
            for (int i = 0; i < GROUP; i++) t[i] = new FlashTile(headDim);
            return t;
        });
    }

    /**
     * {@code out, lse} = attention of {@code q [B, H, Nq, D]} to the first {@code keyCount} rows of
     * {@code k, v [B, H, ≥keyCount, D]}, with softmax scale {@code scale}. {@code keyCount} must be ≥ 1.
     */
    public void forward(Tensor q, Tensor k, Tensor v, int keyCount, float scale, Tensor out, Tensor lse) {
        check(q, k, v, keyCount, out, lse);
        int batch = q.batch();
        int heads = q.heads();
        int rows = q.seqLen();
        int items = batch * heads;
        ensureBuffers(items, keyCount);
        Parallel.forEach(items, i -> {
            k.copyRowsTo(i / heads, i % heads, 0, keyCount, keys[i], 0);
            v.copyRowsTo(i / heads, i % heads, 0, keyCount, values[i], 0);
        });
        int groupRows = GROUP * FlashTile.ROWS;
        int groups = (rows + groupRows - 1) / groupRows;
        Parallel.forEach(items * groups, item -> {
            int i = item / groups;
            int g0 = (item % groups) * groupRows;
            runGroup(q, i / heads, i % heads, g0, Math.min(g0 + groupRows, rows), keys[i], values[i], keyCount, scale, out, lse);
        });
    }

    private void runGroup(Tensor q, int b, int h, int g0, int groupEnd, float[] keyRows, float[] valueRows, int keyCount,
                          float scale, Tensor out, Tensor lse) {
        FlashTile[] tile = tiles.get();
        int subTiles = (groupEnd - g0 + FlashTile.ROWS - 1) / FlashTile.ROWS;
        for (int s = 0; s < subTiles; s++) {
            int r0 = g0 + s * FlashTile.ROWS;
            int n = Math.min(FlashTile.ROWS, groupEnd - r0);
            q.copyRowsTo(b, h, r0, n, tile[s].staging(), 0);
            tile[s].load(n, scale);
        }
        for (int c = 0; c < keyCount; c += FlashTile.CHUNK) {
            int n = Math.min(FlashTile.CHUNK, keyCount - c);
            for (int s = 0; s < subTiles; s++) {
                tile[s].scores(keyRows, c, n);
                tile[s].softmax(n, false);
                tile[s].accumulate(valueRows, c, n);
            }
        }
        float[] lseOut = lseRows.get();
        for (int s = 0; s < subTiles; s++) {
            int r0 = g0 + s * FlashTile.ROWS;
            int n = Math.min(FlashTile.ROWS, groupEnd - r0);
            tile[s].finish(n, null, r0, lseOut, 0);
            out.copyRowsFrom(b, h, r0, n, tile[s].staging(), 0);
            if (lse != null) lse.copyRowsFrom(b, h, r0, n, lseOut, 0);
        }
    }

    private void ensureBuffers(int items, int keyCount) {
        int size = keyCount * headDim;
        if (keys.length < items || keys[0].length < size) {
            int capacity = Math.max(size, keys.length == 0 ? 0 : keys[0].length);
            keys = new float[items][capacity];
            values = new float[items][capacity];
        }
    }

    private void check(Tensor q, Tensor k, Tensor v, int keyCount, Tensor out, Tensor lse) {
        q.requireSameShape(out, "out");
        k.requireSameShape(v, "v");
        if (q.headDim() != headDim || k.headDim() != headDim) {
            throw new IllegalArgumentException("q/k have headDim " + q.headDim() + "/" + k.headDim() + ", context attention was built for " + headDim);
        }
        if (k.batch() != q.batch() || k.heads() != q.heads()) {
            throw new IllegalArgumentException("k has shape " + k.shapeString() + ", q has " + q.shapeString() + " (batch and heads must match)");
        }
        if (keyCount < 1 || keyCount > k.seqLen()) {
            throw new IllegalArgumentException("key count " + keyCount + " not in 1.." + k.seqLen());
        }
        if (lse != null && (lse.batch() != q.batch() || lse.heads() != q.heads() || lse.seqLen() != q.seqLen() || lse.headDim() != 1)) {
            throw new IllegalArgumentException("lse has shape " + lse.shapeString() + ", expected [" + q.batch() + ", " + q.heads()
                    + ", " + q.seqLen() + ", 1]");
        }
    }
}
