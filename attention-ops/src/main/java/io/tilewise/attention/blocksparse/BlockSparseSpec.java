package io.tilewise.attention.blocksparse;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code blocksparse:keep=F,seed=N,tile=N}: every query tile keeps {@code max(1, round(keep·kTiles))} key tiles
 * chosen at random (seeded), the rest are skipped. Exercises the executor; no text rule applies.
 *
 * @param keep fraction of key tiles kept per query tile, in (0, 1]
 * @param seed random seed of the tile choice
 * @param tile query and key tile size in tokens
 */
public record BlockSparseSpec(double keep, long seed, int tile) {

    public static final int DEFAULT_TILE = 128;

    public static BlockSparseSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "keep", "seed", "tile");
        double keep = r.doubleValue("keep", 0.25, 0.0, true, 1.0);
        long seed = r.longValue("seed", 1);
        int tile = r.intValue("tile", DEFAULT_TILE, 16, 4096);
        r.done();
        return new BlockSparseSpec(keep, seed, tile);
    }

    public String canonical() {
        return "blocksparse:keep=" + keep + ",seed=" + seed + ",tile=" + tile;
    }
}
