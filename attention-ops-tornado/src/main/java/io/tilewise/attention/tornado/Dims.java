package io.tilewise.attention.tornado;

import io.tilewise.attention.blocksparse.BlockSparsePlan;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The integer parameters of a kernel launch, passed as one small {@link IntArray} uploaded once per task graph
 * (shapes are fixed per session, and an array keeps every kernel under TornadoVM's argument limit). Slot names are
 * shared by the host code that fills them and the kernels that read them.
 */
final class Dims {

    static final int SEQ_LEN = 0;
    static final int HEAD_DIM = 1;
    /** Query rows the launch covers: batch·heads·seqLen. */
    static final int ROWS = 2;
    static final int HEADS = 3;
    static final int Q_TILE = 4;
    static final int K_TILE = 5;
    static final int Q_TILES = 6;
    static final int K_TILES = 7;
    static final int PLAN_HEADS = 8;
    static final int WORDS_PER_COLUMN = 9;
    /** 1 when the plan approximates tiles (summary arrays are read). */
    static final int APPROXIMATES = 10;
    /** 1 when approximated tiles carry a first-order row term. */
    static final int FIRST_ORDER = 11;
    /** Permutation maps: 1 shared by every head, or one per head. */
    static final int MAP_HEADS = 12;
    /** Work-groups per (batch, head) of the tiled plan kernel: query tiles × row blocks per tile. */
    static final int GROUPS_PER_HEAD = 13;
    static final int ROW_BLOCKS_PER_TILE = 14;
    static final int SIZE = 15;

    private Dims() {
    }

    /** Dims of an attention launch over {@code batchHeads} (batch, head) pairs; no plan. */
    static IntArray of(int batchHeads, int heads, int seqLen, int headDim) {
        IntArray dims = new IntArray(SIZE);
        dims.init(0);
        dims.set(SEQ_LEN, seqLen);
        dims.set(HEAD_DIM, headDim);
        dims.set(ROWS, batchHeads * seqLen);
        dims.set(HEADS, heads);
        dims.set(MAP_HEADS, 1);
        dims.set(Q_TILE, TiledKernels.ROWS);
        dims.set(Q_TILES, ceilDiv(seqLen, TiledKernels.ROWS));
        dims.set(ROW_BLOCKS_PER_TILE, 1);
        dims.set(GROUPS_PER_HEAD, ceilDiv(seqLen, TiledKernels.ROWS));
        return dims;
    }

    /** Dims of a plan launch: the plan's tiling, and whether it approximates tiles (with a first-order term). */
    static IntArray of(int batchHeads, int heads, int seqLen, int headDim, BlockSparsePlan plan, boolean approximates,
                       boolean firstOrder) {
        IntArray dims = of(batchHeads, heads, seqLen, headDim);
        dims.set(Q_TILE, plan.qTile());
        dims.set(K_TILE, plan.kTile());
        dims.set(Q_TILES, plan.qTiles());
        dims.set(K_TILES, plan.kTiles());
        dims.set(PLAN_HEADS, plan.planHeads());
        dims.set(WORDS_PER_COLUMN, plan.wordsPerColumn());
        dims.set(APPROXIMATES, approximates ? 1 : 0);
        dims.set(FIRST_ORDER, firstOrder ? 1 : 0);
        int blocks = ceilDiv(plan.qTile(), TiledKernels.ROWS);
        dims.set(ROW_BLOCKS_PER_TILE, blocks);
        dims.set(GROUPS_PER_HEAD, plan.qTiles() * blocks);
        return dims;
    }

    /** Dims of a permutation launch with {@code mapHeads} maps (1 = shared). */
    static IntArray permutation(int batchHeads, int heads, int seqLen, int headDim, int mapHeads) {
        IntArray dims = of(batchHeads, heads, seqLen, headDim);
        dims.set(MAP_HEADS, mapHeads);
        return dims;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
