package io.tilewise.pipeline.sweep;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

import java.nio.file.Path;

/**
 * The shape of an operator-level sweep cell: token grid, heads, head dimension, text tokens and where they sit; and
 * the inputs — seeded N(0, std²) q, k, v, or q/k/v captured into {@code .npy} files ({@code [batch, heads, seqLen,
 * headDim]} or {@code [heads, seqLen, headDim]}).
 */
public record OperatorShape(TokenGrid grid, int heads, int headDim, int textTokens, TextPlacement placement, float std,
                            Path q, Path k, Path v) {

    public OperatorShape {
        if (heads < 1) throw new IllegalArgumentException("heads " + heads + " must be >= 1");
        if (headDim < 1) throw new IllegalArgumentException("head_dim " + headDim + " must be >= 1");
        if (!(std > 0)) throw new IllegalArgumentException("std " + std + " must be > 0");
        if ((q == null) != (k == null) || (q == null) != (v == null)) {
            throw new IllegalArgumentException("captured inputs need all of q, k and v");
        }
        new TokenLayout(grid, textTokens, placement); // validates the text settings
    }

    public boolean captured() {
        return q != null;
    }

    public AttentionShape attentionShape() {
        return new AttentionShape(1, heads, headDim, new TokenLayout(grid, textTokens, placement));
    }

    /** E.g. {@code 16x16x16 h4 d32}, {@code … text 16 prefix}, {@code … q.npy}. */
    @Override
    public String toString() {
        String s = grid + " h" + heads + " d" + headDim;
        if (textTokens > 0) s += " text " + textTokens + " " + placement;
        if (captured()) s += " captured " + q.getFileName();
        else if (std != 1f) s += " std " + std;
        return s;
    }
}
