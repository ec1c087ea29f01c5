package io.tilewise.attention.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * TornadoVM kernels in the loop-parallel style (one {@code @Parallel} loop, one work item per query row): ordinary
 * Java, so tests can also run them on the host. Each row keeps its scaled query and its accumulator in private
 * memory ({@link #MAX_HEAD_DIM} floats each) and runs one online softmax over its keys; legal on every TornadoVM
 * backend. The tiled {@code KernelContext} variants are in {@link TiledKernels}.
 *
 * <p>Layouts (all row-major fp32): q, k, v, out {@code [rows][headDim]} where a row is {@code (batch·heads + head)
 * ·seqLen + token}; lse {@code [rows]}. Plan arrays as {@link DevicePlan} uploads them; {@code dims} as
 * {@link Dims} lays it out. In kernel bodies {@code i} is the token, {@code bh} the (batch, head) index.
 */
public final class AttentionKernels {

    /** Largest head dimension: a query row and its accumulator live in private memory. */
    public static final int MAX_HEAD_DIM = 128;
    /** Running max starts finite, like the CPU tile, so a fully masked start never gives exp(−∞ + ∞). */
    static final float MAX_START = -1e30f;

    private AttentionKernels() {
    }

    /** Dense attention: every row attends every key of its (batch, head). {@code params[0]} is the softmax scale. */
    public static void dense(FloatArray q, FloatArray k, FloatArray v, FloatArray out, FloatArray lse, IntArray dims,
                             FloatArray params) {
        int seqLen = dims.get(Dims.SEQ_LEN);
        int headDim = dims.get(Dims.HEAD_DIM);
        int rows = dims.get(Dims.ROWS);
        float scale = params.get(0);
        for (@Parallel int row = 0; row < rows; row++) {
            float[] query = new float[MAX_HEAD_DIM];
            float[] acc = new float[MAX_HEAD_DIM];
            int qBase = row * headDim;
            for (int d = 0; d < headDim; d++) {
                query[d] = q.get(qBase + d) * scale;
                acc[d] = 0f;
            }
            int kvBase = (row / seqLen) * seqLen * headDim;
            float max = MAX_START;
            float sum = 0f;
            for (int key = 0; key < seqLen; key++) {
                int kOff = kvBase + key * headDim;
                float score = 0f;
                for (int d = 0; d < headDim; d++) score += query[d] * k.get(kOff + d);
                if (score > max) {
                    float alpha = TornadoMath.exp(max - score);
                    sum *= alpha;
                    for (int d = 0; d < headDim; d++) acc[d] *= alpha;
                    max = score;
                }
                float p = TornadoMath.exp(score - max);
                sum += p;
                for (int d = 0; d < headDim; d++) acc[d] += p * v.get(kOff + d);
            }
            float inv = 1f / sum;
            for (int d = 0; d < headDim; d++) out.set(qBase + d, acc[d] * inv);
            lse.set(row, max + TornadoMath.log(sum));
        }
    }

    /**
     * The block-sparse executor of {@code BlockSparseExecutor}, one row per work item: exact key tiles of the row's
     * plan row (whole, or filtered by the tile's bit mask), then approximated tiles as summary keys (logit
     * {@code τ·q·k̄ + log n}, value {@code v̄}) whose softmax mass {@code g} weights the first-order row before
     * normalisation: {@code out = (acc + g·firstOrder) / l}. Summaries are per head {@code [heads][kTiles][headDim]},
     * first-order rows {@code [heads][seqLen][headDim]}; both are read only when {@code dims} says the plan
     * approximates tiles (and has a first-order term).
     */
    public static void plan(FloatArray q, FloatArray k, FloatArray v, FloatArray out, FloatArray lse, IntArray dims,
                            FloatArray params, IntArray exactStart, IntArray exactTile, IntArray maskIndex, LongArray maskBits,
                            IntArray approxStart, IntArray approxTile, FloatArray keyMeans, FloatArray valueMeans,
                            FloatArray logCounts, FloatArray firstOrder) {
        int seqLen = dims.get(Dims.SEQ_LEN);
        int headDim = dims.get(Dims.HEAD_DIM);
        int rows = dims.get(Dims.ROWS);
        int heads = dims.get(Dims.HEADS);
        int qTile = dims.get(Dims.Q_TILE);
        int kTile = dims.get(Dims.K_TILE);
        int qTiles = dims.get(Dims.Q_TILES);
        int kTiles = dims.get(Dims.K_TILES);
        int planHeads = dims.get(Dims.PLAN_HEADS);
        int words = dims.get(Dims.WORDS_PER_COLUMN);
        int approximates = dims.get(Dims.APPROXIMATES);
        int hasFirstOrder = dims.get(Dims.FIRST_ORDER);
        float scale = params.get(0);
        for (@Parallel int row = 0; row < rows; row++) {
            float[] query = new float[MAX_HEAD_DIM];
            float[] acc = new float[MAX_HEAD_DIM];
            int qBase = row * headDim;
            for (int d = 0; d < headDim; d++) {
                query[d] = q.get(qBase + d) * scale;
                acc[d] = 0f;
            }
            int bh = row / seqLen;
            int i = row - bh * seqLen;
            int head = bh % heads;
            int queryTile = i / qTile;
            int planRow = (planHeads == 1 ? 0 : head) * qTiles + queryTile;
            int rowInTile = i - queryTile * qTile;
            int word = rowInTile >> 6;
            int bit = rowInTile & 63;
            int kvBase = bh * seqLen * headDim;
            float max = MAX_START;
            float sum = 0f;
            float approxMass = 0f;
            for (int e = exactStart.get(planRow); e < exactStart.get(planRow + 1); e++) {
                int keyStart = exactTile.get(e) * kTile;
                int keyEnd = Math.min(keyStart + kTile, seqLen);
                int mask = maskIndex.get(e);
                int maskBase = mask * kTile * words;
                for (int key = keyStart; key < keyEnd; key++) {
                    int kOff = kvBase + key * headDim;
                    float score = 0f;
                    for (int d = 0; d < headDim; d++) score += query[d] * k.get(kOff + d);
                    if (mask >= 0) {
                        // Branch-free masking (a masked score of −∞ adds exp(−∞) = 0): TornadoVM 5.2 compiled an
                        // "if (allowed) { … }" inside this loop into code that fell through into the next key.
                        long bits = maskBits.get(maskBase + (key - keyStart) * words + word);
                        score = ((bits >>> bit) & 1L) != 0L ? score : Float.NEGATIVE_INFINITY;
                    }
                    if (score > max) {
                        float alpha = TornadoMath.exp(max - score);
                        sum *= alpha;
                        approxMass *= alpha;
                        for (int d = 0; d < headDim; d++) acc[d] *= alpha;
                        max = score;
                    }
                    float p = TornadoMath.exp(score - max);
                    sum += p;
                    for (int d = 0; d < headDim; d++) acc[d] += p * v.get(kOff + d);
                }
            }
            if (approximates == 1) {
                for (int a = approxStart.get(planRow); a < approxStart.get(planRow + 1); a++) {
                    int tile = approxTile.get(a);
                    int sOff = (head * kTiles + tile) * headDim;
                    float score = logCounts.get(head * kTiles + tile);
                    for (int d = 0; d < headDim; d++) score += query[d] * keyMeans.get(sOff + d);
                    if (score > max) {
                        float alpha = TornadoMath.exp(max - score);
                        sum *= alpha;
                        approxMass *= alpha;
                        for (int d = 0; d < headDim; d++) acc[d] *= alpha;
                        max = score;
                    }
                    float p = TornadoMath.exp(score - max);
                    sum += p;
                    approxMass += p;
                    for (int d = 0; d < headDim; d++) acc[d] += p * valueMeans.get(sOff + d);
                }
            }
            float inv = 1f / sum;
            if (hasFirstOrder == 1) {
                int fOff = (head * seqLen + i) * headDim;
                for (int d = 0; d < headDim; d++) out.set(qBase + d, (acc[d] + approxMass * firstOrder.get(fOff + d)) * inv);
            } else {
                for (int d = 0; d < headDim; d++) out.set(qBase + d, acc[d] * inv);
            }
            lse.set(row, max + TornadoMath.log(sum));
        }
    }

    /**
     * Row gather, the one permutation kernel (PARO orders, GNA tile orders, and their inverses): row {@code i} of
     * each (batch, head) of {@code dst} is row {@code map[mapHead·seqLen + i]} of {@code src}, where {@code mapHead}
     * is the head when {@code dims} has one map per head, else 0. Pure copies, so permute-then-unpermute is
     * bit-exact. {@code width} is headDim for q/k/v/out and 1 for lse.
     */
    public static void gatherRows(FloatArray src, FloatArray dst, IntArray map, IntArray dims, int width) {
        int seqLen = dims.get(Dims.SEQ_LEN);
        int rows = dims.get(Dims.ROWS);
        int heads = dims.get(Dims.HEADS);
        int mapHeads = dims.get(Dims.MAP_HEADS);
        for (@Parallel int row = 0; row < rows; row++) {
            int bh = row / seqLen;
            int i = row - bh * seqLen;
            int mapHead = mapHeads == 1 ? 0 : bh % heads;
            int from = (bh * seqLen + map.get(mapHead * seqLen + i)) * width;
            int to = row * width;
            for (int d = 0; d < width; d++) dst.set(to + d, src.get(from + d));
        }
    }

    /**
     * Folds attention B into A over disjoint key sets (NATTEN's stable form, as {@code LseMerge}):
     * {@code O = O_A − σ(L_B − L_A)·(O_A − O_B)}, {@code L = max + log(1 + e^(min − max))}; a side with LSE −∞ (no
     * keys) leaves the other unchanged.
     */
    public static void lseMerge(FloatArray outA, FloatArray lseA, FloatArray outB, FloatArray lseB, IntArray dims) {
        int headDim = dims.get(Dims.HEAD_DIM);
        int rows = dims.get(Dims.ROWS);
        for (@Parallel int row = 0; row < rows; row++) {
            float la = lseA.get(row);
            float lb = lseB.get(row);
            int base = row * headDim;
            if (lb != Float.NEGATIVE_INFINITY) {
                if (la == Float.NEGATIVE_INFINITY) {
                    for (int d = 0; d < headDim; d++) outA.set(base + d, outB.get(base + d));
                    lseA.set(row, lb);
                } else {
                    float x = lb - la;
                    float weightB = x >= 0f ? 1f / (1f + TornadoMath.exp(-x)) : TornadoMath.exp(x) / (1f + TornadoMath.exp(x));
                    for (int d = 0; d < headDim; d++) {
                        float oa = outA.get(base + d);
                        outA.set(base + d, oa - weightB * (oa - outB.get(base + d)));
                    }
                    float hi = Math.max(la, lb);
                    float lo = Math.min(la, lb);
                    lseA.set(row, hi + TornadoMath.log(1f + TornadoMath.exp(lo - hi)));
                }
            }
        }
    }
}
