package io.tilewise.reorder;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

import java.util.Arrays;

/**
 * A PARO token reordering of one layout: the video tokens are re-flattened in an {@link AxisOrder}; text tokens
 * (prefix or suffix) never move.
 *
 * <p>Two int maps over sequence positions, each the other's inverse:
 * <ul>
 *   <li>{@link #forward(int) forward[t]} = the position original token {@code t} goes to;</li>
 *   <li>{@link #inverse(int) inverse[p]} = the original token found at permuted position {@code p}.</li>
 * </ul>
 * So permuting rows means {@code permuted[p] = original[inverse[p]]}, and undoing it
 * {@code original[t] = permuted[forward[t]]}. Both are pure copies, hence bit-exact. Worked example (docs/methods.md
 * §4.1): grid 2×2×3, order HWF: forward = (0,2,4,6,8,10,1,3,5,7,9,11).
 */
public final class TokenPermutation {

    private final TokenLayout layout;
    private final AxisOrder order;
    private final int[] forward;
    private final int[] inverse;

    private TokenPermutation(TokenLayout layout, AxisOrder order) {
        this.layout = layout;
        this.order = order;
        int seqLen = layout.seqLen();
        this.forward = new int[seqLen];
        this.inverse = new int[seqLen];
        for (int t = 0; t < seqLen; t++) forward[t] = t;
        TokenGrid grid = layout.grid();
        int start = layout.videoStart();
        for (int f = 0; f < grid.frames(); f++) {
            for (int y = 0; y < grid.height(); y++) {
                for (int x = 0; x < grid.width(); x++) {
                    forward[start + grid.index(f, y, x)] = start + order.flatIndex(grid, f, y, x);
                }
            }
        }
        for (int t = 0; t < seqLen; t++) inverse[forward[t]] = t;
    }

    public static TokenPermutation of(TokenLayout layout, AxisOrder order) {
        if (layout == null || order == null) throw new IllegalArgumentException("layout and order must be given");
        return new TokenPermutation(layout, order);
    }

    public TokenLayout layout() { return layout; }
    public AxisOrder order() { return order; }
    public int seqLen() { return forward.length; }

    /** Position that original token {@code token} moves to. */
    public int forward(int token) {
        return forward[token];
    }

    /** Original token at permuted position {@code position}. */
    public int inverse(int position) {
        return inverse[position];
    }

    public int[] forwardMap() {
        return forward.clone();
    }

    public int[] inverseMap() {
        return inverse.clone();
    }

    /** Rows of {@code width} floats: {@code dst[p] = src[inverse[p]]} (original → permuted order). */
    public void permuteRows(float[] src, float[] dst, int width) {
        gather(src, dst, width, inverse);
    }

    /** Rows of {@code width} floats: {@code dst[t] = src[forward[t]]} (permuted → original order). */
    public void unpermuteRows(float[] src, float[] dst, int width) {
        gather(src, dst, width, forward);
    }

    private static void gather(float[] src, float[] dst, int width, int[] from) {
        if (width == 1) {
            for (int i = 0; i < from.length; i++) dst[i] = src[from[i]];
            return;
        }
        for (int i = 0; i < from.length; i++) System.arraycopy(src, from[i] * width, dst, i * width, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenPermutation p && p.layout.equals(layout) && p.order == order;
    }

    @Override
    public int hashCode() {
        return layout.hashCode() * 31 + order.hashCode();
    }

    @Override
    public String toString() {
        return "TokenPermutation[" + order + " over " + layout + "]";
    }

    /** For tests: whether forward and inverse are inverse bijections (always true by construction). */
    boolean isBijection() {
        int[] seen = new int[forward.length];
        for (int t = 0; t < forward.length; t++) {
            if (inverse[forward[t]] != t) return false;
            seen[forward[t]]++;
        }
        return Arrays.stream(seen).allMatch(c -> c == 1);
    }
}
