package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

import java.util.Arrays;

/**
 * Builds the exact {@link BlockSparsePlan} of a {@link GnaMask} under a {@link GnaTiling} without testing pairs one
 * by one. Because the mask is the AND of per-axis rules, a query tile is summarised per axis: for every key
 * coordinate {@code j} of axis {@code a}, the bit set of tile rows whose window contains {@code j}. The rows allowed
 * to attend a video key {@code (f, y, x)} are then {@code F[f] & Y[y] & X[x]} (plus the text rows), a few word ANDs
 * per key column. Key tiles are first screened per axis against the union of the tile's windows.
 */
public final class GnaPlanner {

    private GnaPlanner() {
    }

    public static GnaTiledPlan build(GnaMask mask, GnaTiling tiling) {
        TokenLayout layout = mask.layout();
        int n = layout.seqLen();
        int[] queryOrder = tiling.queryOrder(layout);
        int[] keyOrder = tiling.keyOrder(layout);
        int qTile = tiling.queryTile();
        int kTile = tiling.keyTile();
        BlockSparsePlan.Builder builder = BlockSparsePlan.builder(n, qTile, kTile, 1);
        int words = (qTile + 63) / 64;
        int[][] coords = coordinates(layout);
        KeyTiles keys = new KeyTiles(coords, keyOrder, n, kTile, builder.kTiles());

        int[] lengths = {layout.grid().frames(), layout.grid().height(), layout.grid().width()};
        long[][] rowsOf = new long[3][];
        int[][] reach = new int[3][];
        for (int a = 0; a < 3; a++) {
            rowsOf[a] = new long[lengths[a] * words];
            reach[a] = new int[lengths[a] + 1];
        }
        long[] textRows = new long[words];
        long[] allRows = new long[words];
        long[] bits = new long[kTile * words];
        for (int qt = 0; qt < builder.qTiles(); qt++) {
            for (int a = 0; a < 3; a++) Arrays.fill(rowsOf[a], 0L);
            Arrays.fill(textRows, 0L);
            Arrays.fill(allRows, 0L);
            int rows = Math.min(qTile, n - qt * qTile);
            boolean anyVideo = false;
            for (int r = 0; r < rows; r++) {
                int token = at(queryOrder, qt * qTile + r);
                long bit = 1L << (r & 63);
                allRows[r >>> 6] |= bit;
                if (coords[0][token] < 0) {
                    textRows[r >>> 6] |= bit;
                    continue;
                }
                anyVideo = true;
                for (int a = 0; a < 3; a++) {
                    int i = coords[a][token];
                    int step = mask.step(a);
                    for (int t = 0, j = mask.firstKey(a, i); t < mask.keyCount(a, i); t++, j += step) {
                        rowsOf[a][j * words + (r >>> 6)] |= bit;
                    }
                }
            }
            boolean anyText = !isZero(textRows);
            for (int a = 0; a < 3; a++) {
                for (int j = 0; j < lengths[a]; j++) {
                    reach[a][j + 1] = reach[a][j] + (isZero(rowsOf[a], j * words, words) ? 0 : 1);
                }
            }
            for (int kt = 0; kt < builder.kTiles(); kt++) {
                boolean candidate = anyText || (anyVideo && keys.hasText(kt)) || (anyVideo && keys.reachable(kt, reach));
                if (!candidate) continue;
                int cols = Math.min(kTile, n - kt * kTile);
                for (int c = 0; c < cols; c++) {
                    int token = at(keyOrder, kt * kTile + c);
                    int base = c * words;
                    if (coords[0][token] < 0) {
                        System.arraycopy(allRows, 0, bits, base, words);
                        continue;
                    }
                    int f = coords[0][token] * words;
                    int y = coords[1][token] * words;
                    int x = coords[2][token] * words;
                    for (int w = 0; w < words; w++) {
                        bits[base + w] = textRows[w] | (rowsOf[0][f + w] & rowsOf[1][y + w] & rowsOf[2][x + w]);
                    }
                }
                builder.addMaskBits(0, qt, kt, bits);
            }
        }
        return new GnaTiledPlan(builder.build(), tiling, queryOrder, keyOrder);
    }

    /** Grid coordinates per layout position: {@code [axis][position]}, −1 for text tokens. */
    static int[][] coordinates(TokenLayout layout) {
        int n = layout.seqLen();
        int[][] coords = new int[3][n];
        for (int t = 0; t < n; t++) {
            if (layout.isText(t)) {
                for (int a = 0; a < 3; a++) coords[a][t] = -1;
            } else {
                int[] c = layout.coords(t);
                for (int a = 0; a < 3; a++) coords[a][t] = c[a];
            }
        }
        return coords;
    }

    private static int at(int[] order, int position) {
        return order == null ? position : order[position];
    }

    private static boolean isZero(long[] words) {
        return isZero(words, 0, words.length);
    }

    private static boolean isZero(long[] words, int from, int count) {
        for (int w = from; w < from + count; w++) {
            if (words[w] != 0) return false;
        }
        return true;
    }

    /** Per key tile: whether it holds text, and the per-axis coordinate range of its video tokens. */
    private static final class KeyTiles {
        private final boolean[] text;
        private final int[][] min;
        private final int[][] max;

        KeyTiles(int[][] coords, int[] keyOrder, int n, int kTile, int kTiles) {
            text = new boolean[kTiles];
            min = new int[3][kTiles];
            max = new int[3][kTiles];
            for (int a = 0; a < 3; a++) {
                Arrays.fill(min[a], Integer.MAX_VALUE);
                Arrays.fill(max[a], -1);
            }
            for (int p = 0; p < n; p++) {
                int kt = p / kTile;
                int token = at(keyOrder, p);
                if (coords[0][token] < 0) {
                    text[kt] = true;
                    continue;
                }
                for (int a = 0; a < 3; a++) {
                    min[a][kt] = Math.min(min[a][kt], coords[a][token]);
                    max[a][kt] = Math.max(max[a][kt], coords[a][token]);
                }
            }
        }

        boolean hasText(int kt) {
            return text[kt];
        }

        /** Whether, on every axis, some coordinate in the tile's range is reached by the query tile's windows. */
        boolean reachable(int kt, int[][] reach) {
            if (max[0][kt] < 0) return false;
            for (int a = 0; a < 3; a++) {
                if (reach[a][max[a][kt] + 1] - reach[a][min[a][kt]] == 0) return false;
            }
            return true;
        }
    }
}
