package io.tilewise.caches.flashblock;

import io.tilewise.attention.tensor.Tensor;

/**
 * The key/value cache of streaming block-causal generation: per layer and CFG branch, the keys and values of the
 * finished chunks (computed at the clean timestep), oldest first, at most {@code windowChunks} chunks (older ones
 * slide out). Chunks are staged layer by layer during a chunk's cache pass and become visible together at
 * {@link #commit()}, so the pass itself sees only the earlier chunks.
 *
 * <p>Each committed change gets a new {@link KvContext#version()}, which tells cached external attention (FlashBlock)
 * that its context changed.
 */
public final class KvCache implements AutoCloseable {

    private final int layers;
    private final int branches;
    private final int windowChunks;
    private final int chunkTokens;
    private final Tensor[][] keys;
    private final Tensor[][] values;
    /** Tokens of each committed chunk, oldest first. */
    private final java.util.ArrayDeque<Integer> chunks = new java.util.ArrayDeque<>();
    private final int[][] pending;
    private final float[][][] stagedKeys;
    private final float[][][] stagedValues;
    private int tokens;
    private long version;
    private final float[] rows;

    /**
     * @param windowChunks most chunks kept (≥ 1)
     * @param chunkTokens  tokens of a full chunk (a last, shorter chunk is never cached: nothing follows it)
     */
    public KvCache(int layers, int branches, int heads, int headDim, int windowChunks, int chunkTokens) {
        if (layers < 1 || branches < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("layers, branches, heads and headDim must be >= 1");
        }
        if (windowChunks < 1) throw new IllegalArgumentException("cache window " + windowChunks + " must be >= 1 chunk");
        this.layers = layers;
        this.branches = branches;
        this.windowChunks = windowChunks;
        this.chunkTokens = chunkTokens;
        this.keys = new Tensor[layers][branches];
        this.values = new Tensor[layers][branches];
        this.pending = new int[layers][branches];
        this.stagedKeys = new float[layers][branches][];
        this.stagedValues = new float[layers][branches][];
        int capacity = windowChunks * chunkTokens;
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < branches; b++) {
                keys[l][b] = Tensor.allocate(1, heads, capacity, headDim);
                values[l][b] = Tensor.allocate(1, heads, capacity, headDim);
            }
        }
        this.rows = new float[capacity * headDim];
    }

    /** What a call of {@code layer}, {@code branch} attends besides its own chunk. */
    public KvContext context(int layer, int branch) {
        return new KvContext(keys[layer][branch], values[layer][branch], tokens, version);
    }

    public int tokens() {
        return tokens;
    }

    public int chunks() {
        return chunks.size();
    }

    /**
     * Stages the finished chunk's keys and values of one (layer, branch) ({@code [1, heads, chunkTokens, headDim]}).
     * Visible after {@link #commit()}; until then every context is unchanged.
     */
    public void append(int layer, int branch, Tensor k, Tensor v) {
        if (k.seqLen() != chunkTokens || v.seqLen() != chunkTokens) {
            throw new IllegalArgumentException("chunk has " + k.seqLen() + " tokens, the cache holds chunks of " + chunkTokens);
        }
        int heads = k.heads();
        int size = chunkTokens * k.headDim();
        if (stagedKeys[layer][branch] == null) {
            stagedKeys[layer][branch] = new float[heads * size];
            stagedValues[layer][branch] = new float[heads * size];
        }
        for (int h = 0; h < heads; h++) {
            k.copyRowsTo(0, h, 0, chunkTokens, stagedKeys[layer][branch], h * size);
            v.copyRowsTo(0, h, 0, chunkTokens, stagedValues[layer][branch], h * size);
        }
        pending[layer][branch] = 1;
    }

    /**
     * Makes the staged chunk visible in every layer and branch (all must have been appended); the oldest chunk
     * slides out when the window is full.
     */
    public void commit() {
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < branches; b++) {
                if (pending[l][b] == 0) throw new IllegalStateException("layer " + l + " branch " + b + " was not appended before commit");
            }
        }
        int drop = chunks.size() == windowChunks ? chunks.removeFirst() : 0;
        int kept = tokens - drop;
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < branches; b++) {
                place(keys[l][b], stagedKeys[l][b], drop, kept);
                place(values[l][b], stagedValues[l][b], drop, kept);
                pending[l][b] = 0;
            }
        }
        chunks.addLast(chunkTokens);
        tokens = kept + chunkTokens;
        version++;
    }

    /** Shifts the kept rows to the front (dropping {@code drop}) and writes the staged chunk after them. */
    private void place(Tensor cache, float[] staged, int drop, int kept) {
        int d = cache.headDim();
        for (int h = 0; h < cache.heads(); h++) {
            if (drop > 0 && kept > 0) {
                cache.copyRowsTo(0, h, drop, kept, rows, 0);
                cache.copyRowsFrom(0, h, 0, kept, rows, 0);
            }
            cache.copyRowsFrom(0, h, kept, chunkTokens, staged, h * chunkTokens * d);
        }
    }

    /** Bytes of the cache tensors (allocated for the whole window). */
    public long bytes() {
        long total = 0;
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < branches; b++) total += (keys[l][b].elementCount() + values[l][b].elementCount()) * Float.BYTES;
        }
        return total;
    }

    @Override
    public void close() {
        for (int l = 0; l < layers; l++) {
            for (int b = 0; b < branches; b++) {
                keys[l][b].close();
                values[l][b].close();
            }
        }
    }
}
