package io.tilewise.attention.blocksparse;

/**
 * What the executor needs to approximate key tiles of one head (PISA's zeroth- and first-order terms): per key
 * tile a mean key and mean value (row-major, {@code kTiles × headDim}) and {@code log(tile size)}, so an
 * approximated tile acts as one summary key with logit {@code τ·q·k̄ + log n}; optionally per query row a
 * first-order correction ({@code seqLen × headDim}) added to the numerator with the approximated mass as weight.
 */
public record TileSummaries(float[] keyMeans, float[] valueMeans, float[] logCounts, float[] firstOrder) {

    /** Produces the summaries of head {@code (b, h)} from its keys and values (row-major {@code seqLen × headDim}). */
    @FunctionalInterface
    public interface Source {
        TileSummaries forHead(int b, int h, float[] keys, float[] values);
    }
}
