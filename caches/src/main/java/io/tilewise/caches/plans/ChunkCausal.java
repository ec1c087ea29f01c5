package io.tilewise.caches.plans;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * Chunk-causal attention over a video layout: frames are grouped into chunks of {@code chunkFrames} (the last may
 * be shorter); a query attends every key of its own chunk (block-internal) and of earlier chunks (block-external),
 * never of later chunks. Video-only layouts (the pipeline's self-attention has no text tokens).
 *
 * @param chunkFrames latent frames per chunk
 */
public record ChunkCausal(TokenLayout layout, int chunkFrames) {

    /** Query and key tile of the plans (the executor's usual 128). */
    public static final int TILE = 128;

    public ChunkCausal {
        if (chunkFrames < 1) throw new IllegalArgumentException("chunk frames " + chunkFrames + " must be >= 1");
        if (layout.textTokens() != 0) {
            throw new IllegalArgumentException("chunk-causal attention needs a video-only layout, got " + layout);
        }
    }

    public int tokensPerChunk() {
        return chunkFrames * layout.grid().tokensPerFrame();
    }

    public int chunks() {
        return (layout.grid().frames() + chunkFrames - 1) / chunkFrames;
    }

    /** Chunk of a sequence position. */
    public int chunkOf(int token) {
        return token / tokensPerChunk();
    }

    /** Own chunk and earlier chunks: the block-causal mask. */
    public TokenMask mask() {
        return (q, k) -> chunkOf(k) <= chunkOf(q);
    }

    /** Keys of the query's own chunk. */
    public TokenMask internal() {
        return (q, k) -> chunkOf(k) == chunkOf(q);
    }

    /** Keys of strictly earlier chunks (none for chunk 0). */
    public TokenMask external() {
        return (q, k) -> chunkOf(k) < chunkOf(q);
    }

    public BlockSparsePlan internalPlan() {
        return plan(internal(), false);
    }

    public BlockSparsePlan externalPlan() {
        return plan(external(), true);
    }

    /**
     * The always-computed part when only chunks with at least {@code minContext} earlier chunks cache their external
     * keys: the own chunk, plus the earlier chunks for chunks with less context. {@code minContext ≤ 1} = {@link #internal}.
     */
    public BlockSparsePlan internalPlan(int minContext) {
        if (minContext <= 1) return internalPlan();
        return plan((q, k) -> chunkOf(k) == chunkOf(q) || chunkOf(q) < minContext && chunkOf(k) < chunkOf(q), true);
    }

    /** The cacheable part: earlier chunks, for chunks with at least {@code minContext} of them (and at least one). */
    public BlockSparsePlan externalPlan(int minContext) {
        if (minContext <= 1) return externalPlan();
        return plan((q, k) -> chunkOf(q) >= minContext && chunkOf(k) < chunkOf(q), true);
    }

    /** The whole block-causal plan. */
    public BlockSparsePlan causalPlan() {
        return PlanMasks.intersect(BlockSparsePlan.dense(layout.seqLen(), TILE, TILE), mask());
    }

    /**
     * Tiles whose chunk ranges can meet the mask, each added through the mask: whole tiles where the mask holds
     * everywhere, masked at chunk boundaries that cut a tile, none where it holds nowhere. {@code earlier}: the mask
     * may reach keys of earlier chunks (else only of the query tile's own chunks).
     */
    private BlockSparsePlan plan(TokenMask mask, boolean earlier) {
        int n = layout.seqLen();
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(n, TILE, TILE, 1);
        for (int qt = 0; qt < b.qTiles(); qt++) {
            int firstChunk = chunkOf(qt * TILE);
            int lastChunk = chunkOf(Math.min(n, (qt + 1) * TILE) - 1);
            for (int kt = 0; kt < b.kTiles(); kt++) {
                int keyFirst = chunkOf(kt * TILE);
                int keyLast = chunkOf(Math.min(n, (kt + 1) * TILE) - 1);
                boolean meets = earlier ? keyFirst <= lastChunk : keyFirst <= lastChunk && keyLast >= firstChunk;
                if (meets) b.addMasked(0, qt, kt, mask);
            }
        }
        return b.build();
    }
}
