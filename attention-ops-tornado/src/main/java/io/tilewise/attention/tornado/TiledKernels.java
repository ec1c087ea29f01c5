package io.tilewise.attention.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.LongArray;

/**
 * The tuned {@link KernelContext} variants of the attention kernels (flash attention with local memory): a
 * work-group of {@link #ROWS} work items takes {@code ROWS} query rows of one (batch, head) and one plan query
 * tile; for every key chunk of {@link #CHUNK} keys the group first copies the chunk's keys and values into local
 * memory together, then each work item scores its row against them: all scores of the chunk first, one rescale
 * of the accumulator per chunk (not per key), then P·V. K and V are read from global memory once per {@code ROWS}
 * queries instead of once per query (the loop variants in {@link AttentionKernels}), which is what pays on a GPU. Legal on every TornadoVM backend (barriers and local arrays only; no warp intrinsics).
 *
 * <p>Every work item of a group walks the same key chunks (one plan row per group), so the barriers are uniform;
 * items past the end of the sequence or of the plan tile only help load. Launch: {@code GROUPS_PER_HEAD ×
 * batch·heads} groups of {@code ROWS} (set up by {@link AttentionGraph}).
 */
public final class TiledKernels {

    /** Query rows (work items) per work-group. */
    public static final int ROWS = 64;
    /** Keys per chunk staged in local memory: 2 × 32 × 128 floats = 32 KB at the largest head dimension. */
    public static final int CHUNK = 32;
    private static final int MAX_HEAD_DIM = AttentionKernels.MAX_HEAD_DIM;

    private TiledKernels() {
    }

    /** Dense attention, tiled: see the class comment. */
    public static void dense(KernelContext context, FloatArray q, FloatArray k, FloatArray v, FloatArray out, FloatArray lse,
                             IntArray dims, FloatArray params) {
        int seqLen = dims.get(Dims.SEQ_LEN);
        int headDim = dims.get(Dims.HEAD_DIM);
        int groupsPerHead = dims.get(Dims.GROUPS_PER_HEAD);
        float scale = params.get(0);
        int local = context.localIdx;
        int group = context.groupIdx;
        int bh = group / groupsPerHead;
        int i = (group - bh * groupsPerHead) * ROWS + local;
        boolean valid = i < seqLen;
        float[] keys = context.allocateFloatLocalArray(CHUNK * MAX_HEAD_DIM);
        float[] values = context.allocateFloatLocalArray(CHUNK * MAX_HEAD_DIM);
        float[] query = new float[MAX_HEAD_DIM];
        float[] acc = new float[MAX_HEAD_DIM];
        float[] scores = new float[CHUNK];
        int qBase = (bh * seqLen + i) * headDim;
        for (int d = 0; d < headDim; d++) {
            query[d] = valid ? q.get(qBase + d) * scale : 0f;
            acc[d] = 0f;
        }
        int kvBase = bh * seqLen * headDim;
        float max = AttentionKernels.MAX_START;
        float sum = 0f;
        for (int c0 = 0; c0 < seqLen; c0 += CHUNK) {
            int n = Math.min(CHUNK, seqLen - c0);
            int chunkBase = kvBase + c0 * headDim;
            for (int x = local; x < n * headDim; x += ROWS) {
                keys[x] = k.get(chunkBase + x);
                values[x] = v.get(chunkBase + x);
            }
            context.localBarrier();
            if (valid) {
                float chunkMax = max;
                for (int j = 0; j < n; j++) {
                    float score = 0f;
                    for (int d = 0; d < headDim; d++) score += query[d] * keys[j * headDim + d];
                    scores[j] = score;
                    chunkMax = Math.max(chunkMax, score);
                }
                if (chunkMax > max) {
                    float alpha = TornadoMath.exp(max - chunkMax);
                    sum *= alpha;
                    for (int d = 0; d < headDim; d++) acc[d] *= alpha;
                    max = chunkMax;
                }
                for (int j = 0; j < n; j++) {
                    float p = TornadoMath.exp(scores[j] - max);
                    scores[j] = p;
                    sum += p;
                }
                for (int d = 0; d < headDim; d++) {
                    float a = acc[d];
                    for (int j = 0; j < n; j++) a += scores[j] * values[j * headDim + d];
                    acc[d] = a;
                }
            }
            context.localBarrier();
        }
        if (valid) {
            float inv = 1f / sum;
            for (int d = 0; d < headDim; d++) out.set(qBase + d, acc[d] * inv);
            lse.set(bh * seqLen + i, max + TornadoMath.log(sum));
        }
    }

    /** The plan executor, tiled; same semantics as {@link AttentionKernels#plan}. */
    public static void plan(KernelContext context, FloatArray q, FloatArray k, FloatArray v, FloatArray out, FloatArray lse,
                            IntArray dims, FloatArray params, IntArray exactStart, IntArray exactTile, IntArray maskIndex,
                            LongArray maskBits, IntArray approxStart, IntArray approxTile, FloatArray keyMeans,
                            FloatArray valueMeans, FloatArray logCounts, FloatArray firstOrder) {
        int seqLen = dims.get(Dims.SEQ_LEN);
        int headDim = dims.get(Dims.HEAD_DIM);
        int heads = dims.get(Dims.HEADS);
        int qTile = dims.get(Dims.Q_TILE);
        int kTile = dims.get(Dims.K_TILE);
        int qTiles = dims.get(Dims.Q_TILES);
        int kTiles = dims.get(Dims.K_TILES);
        int planHeads = dims.get(Dims.PLAN_HEADS);
        int words = dims.get(Dims.WORDS_PER_COLUMN);
        int approximates = dims.get(Dims.APPROXIMATES);
        int hasFirstOrder = dims.get(Dims.FIRST_ORDER);
        int groupsPerHead = dims.get(Dims.GROUPS_PER_HEAD);
        int blocksPerTile = dims.get(Dims.ROW_BLOCKS_PER_TILE);
        float scale = params.get(0);

        int local = context.localIdx;
        int group = context.groupIdx;
        int bh = group / groupsPerHead;
        int rest = group - bh * groupsPerHead;
        int queryTile = rest / blocksPerTile;
        int rowInTile = (rest - queryTile * blocksPerTile) * ROWS + local;
        int i = queryTile * qTile + rowInTile;
        boolean valid = rowInTile < qTile && i < seqLen;
        int head = bh % heads;
        int planRow = (planHeads == 1 ? 0 : head) * qTiles + queryTile;
        int word = rowInTile >> 6;
        int bit = rowInTile & 63;

        float[] keys = context.allocateFloatLocalArray(CHUNK * MAX_HEAD_DIM);
        float[] values = context.allocateFloatLocalArray(CHUNK * MAX_HEAD_DIM);
        float[] query = new float[MAX_HEAD_DIM];
        float[] acc = new float[MAX_HEAD_DIM];
        float[] scores = new float[CHUNK];
        int qBase = (bh * seqLen + i) * headDim;
        for (int d = 0; d < headDim; d++) {
            query[d] = valid ? q.get(qBase + d) * scale : 0f;
            acc[d] = 0f;
        }
        int kvBase = bh * seqLen * headDim;
        float max = AttentionKernels.MAX_START;
        float sum = 0f;
        float approxMass = 0f;
        for (int e = exactStart.get(planRow); e < exactStart.get(planRow + 1); e++) {
            int keyStart = exactTile.get(e) * kTile;
            int keyEnd = Math.min(keyStart + kTile, seqLen);
            int mask = maskIndex.get(e);
            int maskBase = mask * kTile * words;
            for (int c0 = keyStart; c0 < keyEnd; c0 += CHUNK) {
                int n = Math.min(CHUNK, keyEnd - c0);
                int chunkBase = kvBase + c0 * headDim;
                for (int x = local; x < n * headDim; x += ROWS) {
                    keys[x] = k.get(chunkBase + x);
                    values[x] = v.get(chunkBase + x);
                }
                context.localBarrier();
                if (valid) {
                    float chunkMax = max;
                    for (int j = 0; j < n; j++) {
                        float score = 0f;
                        for (int d = 0; d < headDim; d++) score += query[d] * keys[j * headDim + d];
                        if (mask >= 0) {
                            // Branch-free, as in AttentionKernels.plan (TornadoVM 5.2 miscompiled a skip branch).
                            long bits = maskBits.get(maskBase + (c0 - keyStart + j) * words + word);
                            score = ((bits >>> bit) & 1L) != 0L ? score : Float.NEGATIVE_INFINITY;
                        }
                        scores[j] = score;
                        chunkMax = Math.max(chunkMax, score);
                    }
                    if (chunkMax > max) {
                        float alpha = TornadoMath.exp(max - chunkMax);
                        sum *= alpha;
                        approxMass *= alpha;
                        for (int d = 0; d < headDim; d++) acc[d] *= alpha;
                        max = chunkMax;
                    }
                    for (int j = 0; j < n; j++) {
                        float p = TornadoMath.exp(scores[j] - max);
                        scores[j] = p;
                        sum += p;
                    }
                    for (int d = 0; d < headDim; d++) {
                        float a = acc[d];
                        for (int j = 0; j < n; j++) a += scores[j] * values[j * headDim + d];
                        acc[d] = a;
                    }
                }
                context.localBarrier();
            }
        }
        if (valid) {
            if (approximates == 1) {
                // Few summary keys per row (one per approximated tile): read straight from global memory.
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
            lse.set(bh * seqLen + i, max + TornadoMath.log(sum));
        }
    }
}
