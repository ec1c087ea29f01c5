package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenLayout;

import java.util.Arrays;

/**
 * How GNA lays tokens out for the executor (docs/methods.md §2.2): query and key tiles are either runs of the layout
 * order, or multi-dimensional boxes of the grid made contiguous by a token permutation. Queries and keys are
 * permuted independently (the executor only needs both sequences to have the same length), so the query box can
 * sit inside one stride group while the key box follows the window starts.
 *
 * <p>Box order: {@link TokenLayout#boxOrder} (video tokens box by box, text tokens last).
 *
 * @param queryTile query tile in tokens
 * @param keyTile   key tile in tokens
 * @param queryBox  query box (frames, height, width), or null for the layout order
 * @param keyBox    key box, or null for the layout order
 */
public record GnaTiling(int queryTile, int keyTile, int[] queryBox, int[] keyBox) {

    public GnaTiling {
        queryBox = checkBox(queryBox, queryTile, "query");
        keyBox = checkBox(keyBox, keyTile, "key");
    }

    /** Tiles as runs of the layout order: no permutation. */
    public static GnaTiling layoutOrder(int queryTile, int keyTile) {
        return new GnaTiling(queryTile, keyTile, null, null);
    }

    /** Query and key tiles as grid boxes. */
    public static GnaTiling boxes(int[] queryBox, int[] keyBox) {
        return new GnaTiling(volume(queryBox), volume(keyBox), queryBox, keyBox);
    }

    /** Position in the executor's query sequence → position in the layout (null: identity). */
    public int[] queryOrder(TokenLayout layout) {
        return order(layout, queryBox);
    }

    /** Position in the executor's key sequence → position in the layout (null: identity). */
    public int[] keyOrder(TokenLayout layout) {
        return order(layout, keyBox);
    }

    static int[] order(TokenLayout layout, int[] box) {
        return box == null ? null : layout.boxOrder(box);
    }

    static int volume(int[] box) {
        return box[0] * box[1] * box[2];
    }

    private static int[] checkBox(int[] box, int tile, String name) {
        if (tile < 1) throw new IllegalArgumentException(name + " tile " + tile + " must be >= 1");
        if (box == null) return null;
        if (box.length != 3 || box[0] < 1 || box[1] < 1 || box[2] < 1 || volume(box) != tile) {
            throw new IllegalArgumentException(name + " box " + Arrays.toString(box) + " must be 3 sizes >= 1 with volume " + tile);
        }
        return box.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GnaTiling t && queryTile == t.queryTile && keyTile == t.keyTile
                && Arrays.equals(queryBox, t.queryBox) && Arrays.equals(keyBox, t.keyBox);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * queryTile + keyTile) + Arrays.hashCode(queryBox)) + Arrays.hashCode(keyBox);
    }

    @Override
    public String toString() {
        return "q " + describe(queryBox, queryTile) + " / k " + describe(keyBox, keyTile);
    }

    private static String describe(int[] box, int tile) {
        return box == null ? tile + " (layout order)" : box[0] + "x" + box[1] + "x" + box[2];
    }
}
