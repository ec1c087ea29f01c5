package io.tilewise.reorder;

import io.tilewise.attention.api.TokenLayout;

/**
 * PARO's static block mask of one head, from its calibrated block attention mass (in the head's permuted order):
 * the single source of truth for which (query block, key block) pairs run.
 *
 * <p>Rule, per query-block row: the row's budget is {@code keep = clamp(round(density·blocks), 1, blocks)} key
 * blocks. Always on: the diagonal block, every key block touching a text token (text columns dense), and the
 * last key block (as the PARO demos force). The remaining budget goes to the highest-mass key blocks (ties: lower
 * index). Rows touching text (text rows dense) and the last block row are entirely on. A row never exceeds its
 * budget unless the forced blocks alone do, so the executed density is {@code density} plus the forced blocks.
 */
public final class ParoMask {

    private ParoMask() {
    }

    /** Key blocks kept per row at {@code density} (at least 1, at most all). */
    public static int keepPerRow(double density, int blocks) {
        if (!(density > 0 && density <= 1)) throw new IllegalArgumentException("density " + density + " not in (0, 1]");
        return (int) Math.max(1, Math.min(blocks, Math.round(density * blocks)));
    }

    /**
     * @param mass      {@code blocks × blocks} attention mass, row-major (any per-row scale: only ranks within a row
     *                  matter)
     * @param layout    the layout (text positions are the same in every order)
     * @param blockSize tokens per block
     * @param density   target fraction of key blocks per row, in (0, 1]
     */
    public static BlockMask select(double[] mass, TokenLayout layout, int blockSize, double density) {
        int blocks = ParoPlan.blocksOf(layout.seqLen(), blockSize);
        if (mass.length != (long) blocks * blocks) {
            throw new IllegalArgumentException("mass has " + mass.length + " entries, " + blocks + "x" + blocks + " blocks need " + (long) blocks * blocks);
        }
        int keep = keepPerRow(density, blocks);
        boolean[] textBlock = textBlocks(layout, blockSize, blocks);
        BlockMask.Builder b = new BlockMask.Builder(blocks);
        Integer[] byMass = new Integer[blocks];
        for (int qb = 0; qb < blocks; qb++) {
            if (textBlock[qb] || qb == blocks - 1 || keep == blocks) {
                for (int kb = 0; kb < blocks; kb++) b.set(qb, kb);
                continue;
            }
            int on = 0;
            for (int kb = 0; kb < blocks; kb++) {
                if (kb == qb || kb == blocks - 1 || textBlock[kb]) {
                    b.set(qb, kb);
                    on++;
                }
            }
            final int row = qb * blocks;
            for (int i = 0; i < blocks; i++) byMass[i] = i;
            java.util.Arrays.sort(byMass, (x, y) -> {
                int c = Double.compare(mass[row + y], mass[row + x]);
                return c != 0 ? c : Integer.compare(x, y);
            });
            for (int i = 0; i < blocks && on < keep; i++) {
                int kb = byMass[i];
                if (!b.get(qb, kb)) {
                    b.set(qb, kb);
                    on++;
                }
            }
        }
        return b.build();
    }

    /** Blocks holding at least one text token; identical in every axis order because text never moves. */
    public static boolean[] textBlocks(TokenLayout layout, int blockSize, int blocks) {
        boolean[] text = new boolean[blocks];
        if (layout.textTokens() == 0) return text;
        int first = layout.textStart() / blockSize;
        int last = (layout.textStart() + layout.textTokens() - 1) / blockSize;
        for (int b = first; b <= last; b++) text[b] = true;
        return text;
    }
}
