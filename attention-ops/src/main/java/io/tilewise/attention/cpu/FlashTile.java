package io.tilewise.attention.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query tile of flash attention with the query rows in the vector lanes (docs/design.md §6): a tile of
 * {@link #ROWS} queries is held transposed ({@code [headDim][ROWS]}), so each key costs two broadcasts per
 * dimension and the online softmax needs no horizontal reduction. K and V stay row-major.
 *
 * <p>Usage per query tile: {@link #load}, then any number of {@link #scores} → optional {@link #mask} /
 * {@link #addBias} → {@link #softmax} → {@link #accumulate} rounds over key chunks of at most {@link #CHUNK}
 * keys, then {@link #finish}. Methods are small on purpose: the JIT must inline them into the hot loops, and one
 * large method was measured 3.5× slower.
 *
 * <p>Both products are register-blocked so the FMA units, not loads and stores, set the pace: {@link #scores}
 * keeps 4 keys × {@code ROWS} scores in registers over the whole of {@code headDim} (8 keys measured ~10 % slower
 * on Zen 4); {@link #accumulate} keeps 8
 * dimensions × {@code ROWS} of the output in registers over the whole chunk, applying the softmax rescale once
 * per chunk as it loads them.
 *
 * <p>Tried and not kept (Zen 4, dense at Wan's shape on one thread, {@code DenseCpuAbProbe}, per-round ratio
 * against this layout): 8 keys per scoring step 0.95×; K and V of each chunk packed step-major for the 16
 * sub-tiles that share it 0.96× (the packing costs more than the strided reads it saves); two tiles per
 * micro-kernel (4 vectors × 4 keys, 4 vectors × 4 dimensions) 0.98×; chunk 128 at headDim 128 1.01× and skipping
 * the rescale multiplies when alpha is 1 1.00× (both within the noise). Standalone loops of the same shapes ranked
 * them differently (4 × 4 best), so only the executor-level probe decides.
 *
 * <p>Not thread-safe; each worker thread owns one tile.
 */
public final class FlashTile {

    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = SPECIES.length();
    /** Query rows per tile: two vectors. */
    public static final int ROWS = 2 * LANES;
    /** Most keys per softmax round (the score buffer's capacity); {@link #chunk()} is the round a tile prefers. */
    public static final int CHUNK = 128;
    /**
     * Bytes of a tile's transposed queries plus its scores that should stay in L1 while keys stream past: 24 KiB,
     * below the 32 KiB L1D of Zen 4 (48 KiB on Zen 5) so that K, V and the accumulator still find room.
     */
    static final int L1_BUDGET = Integer.getInteger("tilewise.flash.l1Bytes", 24 << 10);
    /**
     * Keys scored per step: 4 (8 accumulators) or 6 (12: more independent FMA chains, for cores with two full-width
     * FMA pipes). {@code -Dtilewise.flash.keys=6} selects 6 (for measurements).
     */
    private static final boolean SIX_KEYS = Integer.getInteger("tilewise.flash.keys", 4) == 6;

    /** Running max starts finite so a fully masked chunk gives exp(−∞ − m) = 0, never NaN. */
    private static final float MAX_START = -1e30f;

    private final int headDim;
    private final int chunk;
    private final float[] queries;
    private final float[] acc;
    private final float[] scores;
    private final float[] rowMax = new float[ROWS];
    private final float[] rowSum = new float[ROWS];
    /** Max of the running max and the current chunk's scores (base-2 units), found while scoring. */
    private final float[] chunkMax = new float[ROWS];
    private final float[] approxSum = new float[ROWS];
    /** Rescale factor of the accumulator from the latest softmax, applied by the next accumulate. */
    private final float[] alpha = new float[ROWS];
    private final float[] staging;

    public FlashTile(int headDim) {
        this.headDim = headDim;
        this.chunk = chunkFor(headDim);
        this.queries = new float[headDim * ROWS];
        this.acc = new float[headDim * ROWS];
        this.scores = new float[CHUNK * ROWS];
        this.staging = new float[ROWS * headDim];
    }

    public int headDim() {
        return headDim;
    }

    /**
     * Keys per softmax round for this head width: the largest power of two up to {@link #CHUNK} (at least 32) whose
     * scores fit the L1 budget next to the queries. The vector width decides ROWS and so the bytes: at 16 lanes
     * headDim 64 gets 128 keys, headDim 128 gets 64 (the 16 KiB of queries would otherwise share L1 with 16 KiB of
     * scores and be evicted by the streaming keys). {@code -Dtilewise.flash.chunk=N} overrides (for measurements).
     */
    public int chunk() {
        return chunk;
    }

    static int chunkFor(int headDim) {
        Integer forced = Integer.getInteger("tilewise.flash.chunk");
        if (forced != null) {
            if (forced < 1 || forced > CHUNK) {
                throw new IllegalArgumentException("tilewise.flash.chunk " + forced + " must be in 1.." + CHUNK);
            }
            return forced;
        }
        int chunk = CHUNK;
        while (chunk > 32 && (long) (chunk + headDim) * ROWS * Float.BYTES > L1_BUDGET) chunk /= 2;
        return chunk;
    }

    /** Row-major staging buffer of {@code ROWS × headDim} floats for loading queries and storing outputs. */
    public float[] staging() {
        return staging;
    }

    /**
     * Loads {@code rows} queries from {@code staging} (row-major), transposed and multiplied by {@code scale};
     * missing rows are zero. Resets the softmax state.
     */
    public void load(int rows, float scale) {
        if (rows < ROWS) java.util.Arrays.fill(queries, 0f);
        // Scores are kept in base 2 (log2 e folded into the queries), so the softmax needs exp2 only.
        float s = scale * VectorExp.LOG2E;
        for (int r = 0; r < rows; r++) {
            int src = r * headDim;
            for (int d = 0; d < headDim; d++) queries[d * ROWS + r] = staging[src + d] * s;
        }
        java.util.Arrays.fill(acc, 0f);
        java.util.Arrays.fill(rowMax, MAX_START);
        java.util.Arrays.fill(rowSum, 0f);
        java.util.Arrays.fill(approxSum, 0f);
        java.util.Arrays.fill(alpha, 1f);
    }

    /**
     * Scores of keys {@code [first, first+count)} of {@code keys} (row-major, headDim wide); count ≤ CHUNK. Also
     * takes the running max over them, while the scores are still in registers.
     */
    public void scores(float[] keys, int first, int count) {
        System.arraycopy(rowMax, 0, chunkMax, 0, ROWS);
        int j = 0;
        if (SIX_KEYS) {
            for (; j + 6 <= count; j += 6) scores6(keys, (first + j) * headDim, j);
        }
        for (; j + 4 <= count; j += 4) scores4(keys, (first + j) * headDim, j);
        for (; j < count; j++) scores1(keys, (first + j) * headDim, j);
    }

    private void scores4(float[] keys, int k0, int j) {
        int D = headDim;
        FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (int d = 0; d < D; d++) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, queries, d * ROWS);
            FloatVector q1 = FloatVector.fromArray(SPECIES, queries, d * ROWS + LANES);
            FloatVector x0 = FloatVector.broadcast(SPECIES, keys[k0 + d]);
            FloatVector x1 = FloatVector.broadcast(SPECIES, keys[k0 + D + d]);
            FloatVector x2 = FloatVector.broadcast(SPECIES, keys[k0 + 2 * D + d]);
            FloatVector x3 = FloatVector.broadcast(SPECIES, keys[k0 + 3 * D + d]);
            a0 = q0.fma(x0, a0);
            b0 = q1.fma(x0, b0);
            a1 = q0.fma(x1, a1);
            b1 = q1.fma(x1, b1);
            a2 = q0.fma(x2, a2);
            b2 = q1.fma(x2, b2);
            a3 = q0.fma(x3, a3);
            b3 = q1.fma(x3, b3);
        }
        max(max(max(a0, a1), max(a2, a3)), FloatVector.fromArray(SPECIES, chunkMax, 0)).intoArray(chunkMax, 0);
        max(max(max(b0, b1), max(b2, b3)), FloatVector.fromArray(SPECIES, chunkMax, LANES)).intoArray(chunkMax, LANES);
        int s = j * ROWS;
        a0.intoArray(scores, s);
        b0.intoArray(scores, s + LANES);
        a1.intoArray(scores, s + ROWS);
        b1.intoArray(scores, s + ROWS + LANES);
        a2.intoArray(scores, s + 2 * ROWS);
        b2.intoArray(scores, s + 2 * ROWS + LANES);
        a3.intoArray(scores, s + 3 * ROWS);
        b3.intoArray(scores, s + 3 * ROWS + LANES);
    }

    private void scores6(float[] keys, int k0, int j) {
        int D = headDim;
        FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        FloatVector a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int d = 0; d < D; d++) {
            FloatVector q0 = FloatVector.fromArray(SPECIES, queries, d * ROWS);
            FloatVector q1 = FloatVector.fromArray(SPECIES, queries, d * ROWS + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, keys[k0 + d]);
            a0 = q0.fma(x, a0);
            b0 = q1.fma(x, b0);
            x = FloatVector.broadcast(SPECIES, keys[k0 + D + d]);
            a1 = q0.fma(x, a1);
            b1 = q1.fma(x, b1);
            x = FloatVector.broadcast(SPECIES, keys[k0 + 2 * D + d]);
            a2 = q0.fma(x, a2);
            b2 = q1.fma(x, b2);
            x = FloatVector.broadcast(SPECIES, keys[k0 + 3 * D + d]);
            a3 = q0.fma(x, a3);
            b3 = q1.fma(x, b3);
            x = FloatVector.broadcast(SPECIES, keys[k0 + 4 * D + d]);
            a4 = q0.fma(x, a4);
            b4 = q1.fma(x, b4);
            x = FloatVector.broadcast(SPECIES, keys[k0 + 5 * D + d]);
            a5 = q0.fma(x, a5);
            b5 = q1.fma(x, b5);
        }
        max(max(max(a0, a1), max(a2, a3)), max(max(a4, a5), FloatVector.fromArray(SPECIES, chunkMax, 0))).intoArray(chunkMax, 0);
        max(max(max(b0, b1), max(b2, b3)), max(max(b4, b5), FloatVector.fromArray(SPECIES, chunkMax, LANES))).intoArray(chunkMax, LANES);
        int s = j * ROWS;
        a0.intoArray(scores, s);
        b0.intoArray(scores, s + LANES);
        a1.intoArray(scores, s + ROWS);
        b1.intoArray(scores, s + ROWS + LANES);
        a2.intoArray(scores, s + 2 * ROWS);
        b2.intoArray(scores, s + 2 * ROWS + LANES);
        a3.intoArray(scores, s + 3 * ROWS);
        b3.intoArray(scores, s + 3 * ROWS + LANES);
        a4.intoArray(scores, s + 4 * ROWS);
        b4.intoArray(scores, s + 4 * ROWS + LANES);
        a5.intoArray(scores, s + 5 * ROWS);
        b5.intoArray(scores, s + 5 * ROWS + LANES);
    }

    private void scores1(float[] keys, int k0, int j) {
        FloatVector a = FloatVector.zero(SPECIES), b = a;
        for (int d = 0; d < headDim; d++) {
            FloatVector x = FloatVector.broadcast(SPECIES, keys[k0 + d]);
            a = FloatVector.fromArray(SPECIES, queries, d * ROWS).fma(x, a);
            b = FloatVector.fromArray(SPECIES, queries, d * ROWS + LANES).fma(x, b);
        }
        max(a, FloatVector.fromArray(SPECIES, chunkMax, 0)).intoArray(chunkMax, 0);
        max(b, FloatVector.fromArray(SPECIES, chunkMax, LANES)).intoArray(chunkMax, LANES);
        a.intoArray(scores, j * ROWS);
        b.intoArray(scores, j * ROWS + LANES);
    }

    /**
     * Sets score (row, key j) to −∞ where the plan's bit is clear. {@code bits[offset + j·wordsPerColumn + w]}
     * holds rows {@code w·64 …} of the plan tile; this tile's row 0 is plan-tile row {@code rowInPlanTile}, a
     * multiple of LANES.
     */
    public void mask(long[] bits, int offset, int wordsPerColumn, int rowInPlanTile, int count) {
        FloatVector negInf = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int half = 0; half < 2; half++) {
            int row = rowInPlanTile + half * LANES;
            int word = row >>> 6;
            if (word >= wordsPerColumn) {
                // Rows past the plan tile are padding: mask them entirely.
                for (int j = 0; j < count; j++) negInf.intoArray(scores, j * ROWS + half * LANES);
                continue;
            }
            int shift = row & 63;
            for (int j = 0; j < count; j++) {
                long laneBits = bits[offset + j * wordsPerColumn + word] >>> shift;
                VectorMask<Float> keep = VectorMask.fromLong(SPECIES, laneBits);
                int s = j * ROWS + half * LANES;
                negInf.blend(FloatVector.fromArray(SPECIES, scores, s), keep).intoArray(scores, s);
            }
        }
        // The max fused into scores() may come from a masked key; a stale larger max could underflow every kept key.
        recomputeMax(count);
    }

    private void recomputeMax(int count) {
        FloatVector maxLo = FloatVector.fromArray(SPECIES, rowMax, 0);
        FloatVector maxHi = FloatVector.fromArray(SPECIES, rowMax, LANES);
        for (int j = 0; j < count; j++) {
            maxLo = max(maxLo, FloatVector.fromArray(SPECIES, scores, j * ROWS));
            maxHi = max(maxHi, FloatVector.fromArray(SPECIES, scores, j * ROWS + LANES));
        }
        maxLo.intoArray(chunkMax, 0);
        maxHi.intoArray(chunkMax, LANES);
    }

    /** Adds {@code bias[j]} (natural log units) to every score of key j (PISA's log tile size for summary keys). */
    public void addBias(float[] bias, int count) {
        for (int j = 0; j < count; j++) {
            int s = j * ROWS;
            float b = bias[j] * VectorExp.LOG2E;
            FloatVector.fromArray(SPECIES, scores, s).add(b).intoArray(scores, s);
            FloatVector.fromArray(SPECIES, scores, s + LANES).add(b).intoArray(scores, s + LANES);
        }
        recomputeMax(count);
    }

    /**
     * Online softmax over the chunk's scores: updates running max and sum, turns scores into probabilities and
     * records the factor the next {@link #accumulate} rescales the accumulator by. With {@code approximated}, the
     * chunk's mass is also added to the approximated-part sum that PISA's first-order term is weighted by.
     */
    public void softmax(int count, boolean approximated) {
        FloatVector oldLo = FloatVector.fromArray(SPECIES, rowMax, 0);
        FloatVector oldHi = FloatVector.fromArray(SPECIES, rowMax, LANES);
        FloatVector maxLo = FloatVector.fromArray(SPECIES, chunkMax, 0);
        FloatVector maxHi = FloatVector.fromArray(SPECIES, chunkMax, LANES);
        FloatVector sumLo = FloatVector.zero(SPECIES);
        FloatVector sumHi = sumLo;
        for (int j = 0; j < count; j++) {
            int s = j * ROWS;
            FloatVector p = VectorExp.exp2NonPositive(FloatVector.fromArray(SPECIES, scores, s).sub(maxLo));
            p.intoArray(scores, s);
            sumLo = sumLo.add(p);
            FloatVector r = VectorExp.exp2NonPositive(FloatVector.fromArray(SPECIES, scores, s + LANES).sub(maxHi));
            r.intoArray(scores, s + LANES);
            sumHi = sumHi.add(r);
        }
        update(0, oldLo, maxLo, sumLo, approximated);
        update(LANES, oldHi, maxHi, sumHi, approximated);
    }

    /**
     * Lane-wise max as compare and blend: two instructions, where {@code FloatVector.max} (Java's NaN and −0
     * semantics) takes about six on x86. Scores are never NaN for finite inputs.
     */
    private static FloatVector max(FloatVector a, FloatVector b) {
        return a.blend(b, a.lt(b));
    }

    private void update(int lane0, FloatVector oldMax, FloatVector max, FloatVector sum, boolean approximated) {
        FloatVector a = VectorExp.exp2NonPositive(oldMax.sub(max));
        a.mul(FloatVector.fromArray(SPECIES, alpha, lane0)).intoArray(alpha, lane0);
        FloatVector.fromArray(SPECIES, rowSum, lane0).fma(a, sum).intoArray(rowSum, lane0);
        FloatVector g = FloatVector.fromArray(SPECIES, approxSum, lane0).mul(a);
        (approximated ? g.add(sum) : g).intoArray(approxSum, lane0);
        max.intoArray(rowMax, lane0);
    }

    /**
     * acc = alpha·acc + P·V for values {@code [first, first+count)} (row-major, headDim wide), where alpha is the
     * rescale recorded by the preceding {@link #softmax} calls.
     */
    public void accumulate(float[] values, int first, int count) {
        FloatVector alphaLo = FloatVector.fromArray(SPECIES, alpha, 0);
        FloatVector alphaHi = FloatVector.fromArray(SPECIES, alpha, LANES);
        int v0 = first * headDim;
        int d = 0;
        for (; d + 8 <= headDim; d += 8) accumulate8(values, v0, d, count, alphaLo, alphaHi);
        for (; d < headDim; d++) accumulate1(values, v0, d, count, alphaLo, alphaHi);
        java.util.Arrays.fill(alpha, 1f);
    }

    private void accumulate8(float[] values, int v0, int d, int count, FloatVector alphaLo, FloatVector alphaHi) {
        int D = headDim;
        int a = d * ROWS;
        FloatVector l0 = FloatVector.fromArray(SPECIES, acc, a).mul(alphaLo);
        FloatVector h0 = FloatVector.fromArray(SPECIES, acc, a + LANES).mul(alphaHi);
        FloatVector l1 = FloatVector.fromArray(SPECIES, acc, a + ROWS).mul(alphaLo);
        FloatVector h1 = FloatVector.fromArray(SPECIES, acc, a + ROWS + LANES).mul(alphaHi);
        FloatVector l2 = FloatVector.fromArray(SPECIES, acc, a + 2 * ROWS).mul(alphaLo);
        FloatVector h2 = FloatVector.fromArray(SPECIES, acc, a + 2 * ROWS + LANES).mul(alphaHi);
        FloatVector l3 = FloatVector.fromArray(SPECIES, acc, a + 3 * ROWS).mul(alphaLo);
        FloatVector h3 = FloatVector.fromArray(SPECIES, acc, a + 3 * ROWS + LANES).mul(alphaHi);
        FloatVector l4 = FloatVector.fromArray(SPECIES, acc, a + 4 * ROWS).mul(alphaLo);
        FloatVector h4 = FloatVector.fromArray(SPECIES, acc, a + 4 * ROWS + LANES).mul(alphaHi);
        FloatVector l5 = FloatVector.fromArray(SPECIES, acc, a + 5 * ROWS).mul(alphaLo);
        FloatVector h5 = FloatVector.fromArray(SPECIES, acc, a + 5 * ROWS + LANES).mul(alphaHi);
        FloatVector l6 = FloatVector.fromArray(SPECIES, acc, a + 6 * ROWS).mul(alphaLo);
        FloatVector h6 = FloatVector.fromArray(SPECIES, acc, a + 6 * ROWS + LANES).mul(alphaHi);
        FloatVector l7 = FloatVector.fromArray(SPECIES, acc, a + 7 * ROWS).mul(alphaLo);
        FloatVector h7 = FloatVector.fromArray(SPECIES, acc, a + 7 * ROWS + LANES).mul(alphaHi);
        for (int j = 0; j < count; j++) {
            FloatVector p = FloatVector.fromArray(SPECIES, scores, j * ROWS);
            FloatVector r = FloatVector.fromArray(SPECIES, scores, j * ROWS + LANES);
            int v = v0 + j * D + d;
            FloatVector x = FloatVector.broadcast(SPECIES, values[v]);
            l0 = p.fma(x, l0);
            h0 = r.fma(x, h0);
            x = FloatVector.broadcast(SPECIES, values[v + 1]);
            l1 = p.fma(x, l1);
            h1 = r.fma(x, h1);
            x = FloatVector.broadcast(SPECIES, values[v + 2]);
            l2 = p.fma(x, l2);
            h2 = r.fma(x, h2);
            x = FloatVector.broadcast(SPECIES, values[v + 3]);
            l3 = p.fma(x, l3);
            h3 = r.fma(x, h3);
            x = FloatVector.broadcast(SPECIES, values[v + 4]);
            l4 = p.fma(x, l4);
            h4 = r.fma(x, h4);
            x = FloatVector.broadcast(SPECIES, values[v + 5]);
            l5 = p.fma(x, l5);
            h5 = r.fma(x, h5);
            x = FloatVector.broadcast(SPECIES, values[v + 6]);
            l6 = p.fma(x, l6);
            h6 = r.fma(x, h6);
            x = FloatVector.broadcast(SPECIES, values[v + 7]);
            l7 = p.fma(x, l7);
            h7 = r.fma(x, h7);
        }
        l0.intoArray(acc, a);
        h0.intoArray(acc, a + LANES);
        l1.intoArray(acc, a + ROWS);
        h1.intoArray(acc, a + ROWS + LANES);
        l2.intoArray(acc, a + 2 * ROWS);
        h2.intoArray(acc, a + 2 * ROWS + LANES);
        l3.intoArray(acc, a + 3 * ROWS);
        h3.intoArray(acc, a + 3 * ROWS + LANES);
        l4.intoArray(acc, a + 4 * ROWS);
        h4.intoArray(acc, a + 4 * ROWS + LANES);
        l5.intoArray(acc, a + 5 * ROWS);
        h5.intoArray(acc, a + 5 * ROWS + LANES);
        l6.intoArray(acc, a + 6 * ROWS);
        h6.intoArray(acc, a + 6 * ROWS + LANES);
        l7.intoArray(acc, a + 7 * ROWS);
        h7.intoArray(acc, a + 7 * ROWS + LANES);
    }

    private void accumulate1(float[] values, int v0, int d, int count, FloatVector alphaLo, FloatVector alphaHi) {
        int a = d * ROWS;
        FloatVector lo = FloatVector.fromArray(SPECIES, acc, a).mul(alphaLo);
        FloatVector hi = FloatVector.fromArray(SPECIES, acc, a + LANES).mul(alphaHi);
        for (int j = 0; j < count; j++) {
            FloatVector x = FloatVector.broadcast(SPECIES, values[v0 + j * headDim + d]);
            lo = FloatVector.fromArray(SPECIES, scores, j * ROWS).fma(x, lo);
            hi = FloatVector.fromArray(SPECIES, scores, j * ROWS + LANES).fma(x, hi);
        }
        lo.intoArray(acc, a);
        hi.intoArray(acc, a + LANES);
    }

    /**
     * Normalises the first {@code rows} rows into {@link #staging()} (row-major). When {@code firstOrder} is not
     * null, row r gets {@code approxSum[r]·firstOrder[firstRow + r]} added to its numerator first (PISA's shared
     * first-order term, pre-scaled by the caller). {@code lse}, when not null, receives the natural-log LSE per row.
     * Every {@link #softmax} must have been followed by its {@link #accumulate}.
     */
    public void finish(int rows, float[] firstOrder, int firstRow, float[] lse, int lseOffset) {
        int D = headDim;
        for (int r = 0; r < rows; r++) {
            float inv = 1f / rowSum[r];
            int dst = r * D;
            if (firstOrder == null) {
                for (int d = 0; d < D; d++) staging[dst + d] = acc[d * ROWS + r] * inv;
            } else {
                float g = approxSum[r];
                int f = (firstRow + r) * D;
                for (int d = 0; d < D; d++) staging[dst + d] = (acc[d * ROWS + r] + g * firstOrder[f + d]) * inv;
            }
            if (lse != null) lse[lseOffset + r] = rowMax[r] * VectorExp.LN2 + (float) Math.log(rowSum[r]);
        }
    }
}
