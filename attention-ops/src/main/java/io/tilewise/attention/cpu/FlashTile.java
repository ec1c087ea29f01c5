package io.tilewise.attention.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query tile of flash attention with the query rows in the vector lanes (DESIGN.md §6): a tile of
 * {@link #ROWS} queries is held transposed ({@code [headDim][ROWS]}), so each key costs two broadcasts per
 * dimension and the online softmax needs no horizontal reduction. K and V stay row-major.
 *
 * <p>Usage per query tile: {@link #load}, then any number of {@link #scores} → optional {@link #mask} /
 * {@link #addBias} → {@link #softmax} → {@link #accumulate} rounds over key chunks of at most {@link #CHUNK}
 * keys, then {@link #finish}. Methods are small on purpose: the JIT must inline them into the hot loops, and one
 * large method was measured 3.5× slower.
 *
 * <p>Not thread-safe; each worker thread owns one tile.
 */
public final class FlashTile {

    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = SPECIES.length();
    /** Query rows per tile: two vectors. */
    public static final int ROWS = 2 * LANES;
    /** Keys per softmax round. */
    public static final int CHUNK = 128;

    /** Running max starts finite so a fully masked chunk gives exp(−∞ − m) = 0, never NaN. */
    private static final float MAX_START = -1e30f;

    private final int headDim;
    private final float[] queries;
    private final float[] acc;
    private final float[] scores;
    private final float[] rowMax = new float[ROWS];
    private final float[] rowSum = new float[ROWS];
    private final float[] approxSum = new float[ROWS];
    private final float[] staging;

    public FlashTile(int headDim) {
        this.headDim = headDim;
        this.queries = new float[headDim * ROWS];
        this.acc = new float[headDim * ROWS];
        this.scores = new float[CHUNK * ROWS];
        this.staging = new float[ROWS * headDim];
    }

    public int headDim() {
        return headDim;
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
        java.util.Arrays.fill(queries, 0f);
        for (int r = 0; r < rows; r++) {
            int src = r * headDim;
            for (int d = 0; d < headDim; d++) queries[d * ROWS + r] = staging[src + d] * scale;
        }
        java.util.Arrays.fill(acc, 0f);
        java.util.Arrays.fill(rowMax, MAX_START);
        java.util.Arrays.fill(rowSum, 0f);
        java.util.Arrays.fill(approxSum, 0f);
    }

    /** Scores of keys {@code [first, first+count)} of {@code keys} (row-major, headDim wide); count ≤ CHUNK. */
    public void scores(float[] keys, int first, int count) {
        int j = 0;
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

    private void scores1(float[] keys, int k0, int j) {
        FloatVector a = FloatVector.zero(SPECIES), b = a;
        for (int d = 0; d < headDim; d++) {
            FloatVector x = FloatVector.broadcast(SPECIES, keys[k0 + d]);
            a = FloatVector.fromArray(SPECIES, queries, d * ROWS).fma(x, a);
            b = FloatVector.fromArray(SPECIES, queries, d * ROWS + LANES).fma(x, b);
        }
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
    }

    /** Adds {@code bias[j]} to every score of key j (PISA's log tile size for summary keys). */
    public void addBias(float[] bias, int count) {
        for (int j = 0; j < count; j++) {
            int s = j * ROWS;
            FloatVector.fromArray(SPECIES, scores, s).add(bias[j]).intoArray(scores, s);
            FloatVector.fromArray(SPECIES, scores, s + LANES).add(bias[j]).intoArray(scores, s + LANES);
        }
    }

    /**
     * Online softmax over the chunk's scores: updates running max and sum, rescales the accumulator, and turns
     * scores into probabilities. With {@code approximated}, the chunk's mass is also added to the approximated-part
     * sum that PISA's first-order term is weighted by.
     */
    public void softmax(int count, boolean approximated) {
        for (int half = 0; half < 2; half++) {
            int lane0 = half * LANES;
            FloatVector oldMax = FloatVector.fromArray(SPECIES, rowMax, lane0);
            FloatVector max = oldMax;
            for (int j = 0; j < count; j++) max = max.max(FloatVector.fromArray(SPECIES, scores, j * ROWS + lane0));
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < count; j++) {
                int s = j * ROWS + lane0;
                FloatVector p = VectorExp.exp(FloatVector.fromArray(SPECIES, scores, s).sub(max));
                p.intoArray(scores, s);
                sum = sum.add(p);
            }
            FloatVector alpha = VectorExp.exp(oldMax.sub(max));
            FloatVector.fromArray(SPECIES, rowSum, lane0).fma(alpha, sum).intoArray(rowSum, lane0);
            FloatVector g = FloatVector.fromArray(SPECIES, approxSum, lane0).mul(alpha);
            (approximated ? g.add(sum) : g).intoArray(approxSum, lane0);
            max.intoArray(rowMax, lane0);
            rescale(alpha, lane0);
        }
    }

    private void rescale(FloatVector alpha, int lane0) {
        for (int d = 0; d < headDim; d++) {
            int a = d * ROWS + lane0;
            FloatVector.fromArray(SPECIES, acc, a).mul(alpha).intoArray(acc, a);
        }
    }

    /** acc += P·V for values {@code [first, first+count)} (row-major, headDim wide). */
    public void accumulate(float[] values, int first, int count) {
        int j = 0;
        for (; j + 4 <= count; j += 4) accumulate4(values, (first + j) * headDim, j);
        for (; j < count; j++) accumulate1(values, (first + j) * headDim, j);
    }

    private void accumulate4(float[] values, int v0, int j) {
        int D = headDim;
        int s = j * ROWS;
        FloatVector p0 = FloatVector.fromArray(SPECIES, scores, s);
        FloatVector r0 = FloatVector.fromArray(SPECIES, scores, s + LANES);
        FloatVector p1 = FloatVector.fromArray(SPECIES, scores, s + ROWS);
        FloatVector r1 = FloatVector.fromArray(SPECIES, scores, s + ROWS + LANES);
        FloatVector p2 = FloatVector.fromArray(SPECIES, scores, s + 2 * ROWS);
        FloatVector r2 = FloatVector.fromArray(SPECIES, scores, s + 2 * ROWS + LANES);
        FloatVector p3 = FloatVector.fromArray(SPECIES, scores, s + 3 * ROWS);
        FloatVector r3 = FloatVector.fromArray(SPECIES, scores, s + 3 * ROWS + LANES);
        for (int d = 0; d < D; d++) {
            int a = d * ROWS;
            FloatVector lo = FloatVector.fromArray(SPECIES, acc, a);
            FloatVector hi = FloatVector.fromArray(SPECIES, acc, a + LANES);
            FloatVector x0 = FloatVector.broadcast(SPECIES, values[v0 + d]);
            FloatVector x1 = FloatVector.broadcast(SPECIES, values[v0 + D + d]);
            FloatVector x2 = FloatVector.broadcast(SPECIES, values[v0 + 2 * D + d]);
            FloatVector x3 = FloatVector.broadcast(SPECIES, values[v0 + 3 * D + d]);
            lo = p0.fma(x0, lo);
            hi = r0.fma(x0, hi);
            lo = p1.fma(x1, lo);
            hi = r1.fma(x1, hi);
            lo = p2.fma(x2, lo);
            hi = r2.fma(x2, hi);
            lo = p3.fma(x3, lo);
            hi = r3.fma(x3, hi);
            lo.intoArray(acc, a);
            hi.intoArray(acc, a + LANES);
        }
    }

    private void accumulate1(float[] values, int v0, int j) {
        FloatVector p = FloatVector.fromArray(SPECIES, scores, j * ROWS);
        FloatVector r = FloatVector.fromArray(SPECIES, scores, j * ROWS + LANES);
        for (int d = 0; d < headDim; d++) {
            int a = d * ROWS;
            FloatVector x = FloatVector.broadcast(SPECIES, values[v0 + d]);
            p.fma(x, FloatVector.fromArray(SPECIES, acc, a)).intoArray(acc, a);
            r.fma(x, FloatVector.fromArray(SPECIES, acc, a + LANES)).intoArray(acc, a + LANES);
        }
    }

    /**
     * Normalises the first {@code rows} rows into {@link #staging()} (row-major). When {@code firstOrder} is not
     * null, row r gets {@code approxSum[r]·firstOrder[firstRow + r]} added to its numerator first (PISA's shared
     * first-order term, pre-scaled by the caller). {@code lse}, when not null, receives max + log(sum) per row.
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
            if (lse != null) lse[lseOffset + r] = rowMax[r] + (float) Math.log(rowSum[r]);
        }
    }
}
