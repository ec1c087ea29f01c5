package io.tilewise.bench;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

/**
 * Token layouts from command-line style options: a plain sequence, or a video grid, each with optional text
 * tokens. Errors name the options ({@code --seq-len}, {@code --grid}, {@code --text-tokens}).
 */
public final class Layouts {

    private Layouts() {
    }

    /**
     * For synthetic inputs: exactly one of {@code seqLen} (total tokens, text included) and {@code grid}.
     */
    public static TokenLayout of(Integer seqLen, TokenGrid grid, int textTokens, TextPlacement placement) {
        if ((seqLen == null) == (grid == null)) {
            throw new IllegalArgumentException("give exactly one of --seq-len N and --grid F,H,W");
        }
        if (grid != null) return layout(grid, textTokens, placement);
        if (seqLen < 1) throw new IllegalArgumentException("--seq-len " + seqLen + " must be >= 1");
        return sequence(seqLen, textTokens, placement);
    }

    /**
     * For inputs of a known sequence length: a 1-D sequence unless {@code grid} is given, in which case
     * {@code textTokens + F·H·W} must equal {@code seqLen}.
     *
     * @param source names the input in the message, e.g. "--q q.npy"
     */
    public static TokenLayout forInput(int seqLen, TokenGrid grid, int textTokens, TextPlacement placement, String source) {
        if (grid == null) return sequence(seqLen, textTokens, placement);
        long expected = (long) textTokens + grid.volume();
        if (expected != seqLen) {
            throw new IllegalArgumentException("--grid " + grid + " with " + textTokens + " text tokens needs seqLen "
                    + expected + ", but " + source + " has seqLen " + seqLen);
        }
        return layout(grid, textTokens, placement);
    }

    private static TokenLayout sequence(int seqLen, int textTokens, TextPlacement placement) {
        if (textTokens < 0) throw new IllegalArgumentException("--text-tokens " + textTokens + " must be >= 0");
        if (textTokens >= seqLen) {
            throw new IllegalArgumentException("--text-tokens " + textTokens + " leaves no video tokens in seqLen " + seqLen);
        }
        return layout(TokenGrid.sequence(seqLen - textTokens), textTokens, placement);
    }

    private static TokenLayout layout(TokenGrid grid, int textTokens, TextPlacement placement) {
        if (textTokens < 0) throw new IllegalArgumentException("--text-tokens " + textTokens + " must be >= 0");
        if (textTokens > 0 && (placement == null || placement == TextPlacement.NONE)) {
            throw new IllegalArgumentException("--text-tokens " + textTokens + " needs --text-placement prefix or suffix");
        }
        return new TokenLayout(grid, textTokens, placement);
    }
}
