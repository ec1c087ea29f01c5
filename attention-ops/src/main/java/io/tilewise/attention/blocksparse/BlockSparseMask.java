package io.tilewise.attention.blocksparse;

import java.util.SplittableRandom;

/** Tile masks for the generic {@code blocksparse} method. */
public final class BlockSparseMask {

    private BlockSparseMask() {
    }

    /**
     * Seeded random mask: every (head, query tile) row keeps exactly {@code max(1, round(keep·kTiles))} key tiles,
     * so the work per row is even and the executed fraction equals {@code keep} up to rounding.
     */
    public static BlockSparsePlan random(int seqLen, int tile, int heads, double keep, long seed) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(seqLen, tile, tile, heads);
        int kTiles = b.kTiles();
        int kept = (int) Math.max(1, Math.min(kTiles, Math.round(keep * kTiles)));
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[kTiles];
        for (int h = 0; h < heads; h++) {
            for (int qt = 0; qt < b.qTiles(); qt++) {
                for (int i = 0; i < kTiles; i++) order[i] = i;
                for (int i = 0; i < kept; i++) {
                    int pick = i + random.nextInt(kTiles - i);
                    int t = order[i];
                    order[i] = order[pick];
                    order[pick] = t;
                    b.addFull(h, qt, order[i]);
                }
            }
        }
        return b.build();
    }

    /** A given boolean tile mask {@code [heads][qTiles][kTiles]}; every row must keep at least one tile. */
    public static BlockSparsePlan given(int seqLen, int tile, boolean[][][] mask) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(seqLen, tile, tile, mask.length);
        for (int h = 0; h < mask.length; h++) {
            if (mask[h].length != b.qTiles()) {
                throw new IllegalArgumentException("mask head " + h + " has " + mask[h].length + " query tiles, expected " + b.qTiles());
            }
            for (int qt = 0; qt < b.qTiles(); qt++) {
                if (mask[h][qt].length != b.kTiles()) {
                    throw new IllegalArgumentException("mask row " + qt + " of head " + h + " has " + mask[h][qt].length
                            + " key tiles, expected " + b.kTiles());
                }
                boolean any = false;
                for (int kt = 0; kt < b.kTiles(); kt++) {
                    if (mask[h][qt][kt]) {
                        b.addFull(h, qt, kt);
                        any = true;
                    }
                }
                if (!any) throw new IllegalArgumentException("mask row " + qt + " of head " + h + " keeps no key tile");
            }
        }
        return b.build();
    }
}
