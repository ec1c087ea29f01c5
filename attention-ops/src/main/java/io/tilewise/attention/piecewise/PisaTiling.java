package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

import java.util.Arrays;

/**
 * Which tokens form a PISA block. PISA blocks are {@code block} consecutive tokens; the released FLUX integration
 * re-tiles the image tokens first so that each 64-token block is an 8×8 patch (docs/methods.md §5.3), because a block
 * whose tokens are neighbours has keys close to their mean, which is what the Taylor approximation expands around.
 * For video the same idea gives 3-D boxes.
 *
 * <ul>
 *   <li>{@code tile=auto} (default): the most cube-like box of exactly {@code block} tokens whose sides divide the
 *       grid's (4×4×4 for block 64 on a 16×16×16 grid, 1×8×8 on one frame). Our choice for video — the paper's
 *       Wan scripts are not released. On q, k, v of four calls captured from a 30-minute checkpoint of the tiny-t2v
 *       retrain (16×16×16 grid, block 64, density 0.25) 4×4×4 boxes had the lowest error of 1×4×16 (the layout
 *       order's rows), 1×8×8, 2×4×8 and 4×4×4 at every call: relative L2 0.066–0.154 against 0.106–0.245 for rows;
 *       on the bundled weights (step 10, layers 0–3) 4×4×4 beat rows at three of four calls (0.022/0.083/0.080
 *       against 0.030/0.122/0.086; layer 1: 0.096 against 0.086). No box fits (a 1-D sequence, or no divisor
 *       combination): the layout order.</li>
 *   <li>{@code tile=none}: the layout order (blocks are runs of the sequence, as the bare kernel does).</li>
 *   <li>{@code tile=FxHxW}: that box; its volume must equal {@code block}. Boxes at the grid's edges are cut
 *       short, so blocks may then straddle boxes.</li>
 * </ul>
 * Text tokens follow all video tokens in the tiled order and form ordinary blocks.
 *
 * @param box the explicit box, or null for {@code auto} / {@code none}
 * @param auto whether the box is chosen from the grid
 */
public record PisaTiling(int[] box, boolean auto) {

    public static final PisaTiling AUTO = new PisaTiling(null, true);
    public static final PisaTiling NONE = new PisaTiling(null, false);

    public PisaTiling {
        if (box != null) {
            if (auto) throw new IllegalArgumentException("an explicit tile box is not auto");
            if (box.length != 3 || box[0] < 1 || box[1] < 1 || box[2] < 1) {
                throw new IllegalArgumentException("tile " + Arrays.toString(box) + " must be 3 sizes >= 1");
            }
            box = box.clone();
        }
    }

    public static PisaTiling box(int frames, int height, int width) {
        return new PisaTiling(new int[] {frames, height, width}, false);
    }

    /** The box used on {@code grid} for blocks of {@code block} tokens, or null for the layout order. */
    public int[] boxFor(TokenGrid grid, int block) {
        if (box != null) return box.clone();
        if (!auto || grid.frames() * grid.height() == 1) return null;
        int[] best = null;
        long bestSurface = Long.MAX_VALUE;
        for (int f = 1; f <= block; f++) {
            if (block % f != 0 || grid.frames() % f != 0) continue;
            for (int h = 1; h <= block / f; h++) {
                if ((block / f) % h != 0 || grid.height() % h != 0) continue;
                int w = block / f / h;
                if (grid.width() % w != 0) continue;
                long surface = (long) f * h + (long) h * w + (long) f * w;
                // Ties go to the wider box: longer runs of consecutive rows to copy.
                if (surface < bestSurface || surface == bestSurface && w > best[2]) {
                    best = new int[] {f, h, w};
                    bestSurface = surface;
                }
            }
        }
        return best;
    }

    /** Tiled position → layout position for {@code layout} (null: the layout order, nothing to permute). */
    public int[] order(TokenLayout layout, int block) {
        int[] b = boxFor(layout.grid(), block);
        return b == null ? null : layout.boxOrder(b);
    }

    /** The spec value: {@code auto}, {@code none} or {@code FxHxW}. */
    public String canonical() {
        return box != null ? box[0] + "x" + box[1] + "x" + box[2] : auto ? "auto" : "none";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PisaTiling t && auto == t.auto && Arrays.equals(box, t.box);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(box) + Boolean.hashCode(auto);
    }

    @Override
    public String toString() {
        return canonical();
    }
}
