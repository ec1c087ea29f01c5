package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.TokenMask;

import java.util.Arrays;

/**
 * The one execution plan every block-structured method reduces to (docs/design.md §3). For each plan head and query
 * tile it lists the key tiles computed exactly — whole, or through a token-level bit mask when the tile is only
 * partly covered — and the key tiles approximated from per-tile summaries (PISA). Every other key tile is skipped.
 *
 * <p>Storage is compact CSR: row {@code r = head·qTiles + queryTile} owns entries {@code [exactStart[r],
 * exactStart[r+1])} of {@code exactTile}; {@code maskIndex[e]} is −1 for a whole tile, else the index of its bit
 * mask. A mask holds {@code kTile} columns of {@code wordsPerColumn} longs; bit {@code b} of word {@code w} of
 * column {@code c} says whether query row {@code w·64+b} of the tile may attend key {@code c} of the tile.
 *
 * <p>A plan with {@code planHeads == 1} is shared by every head. Plans are immutable.
 */
public final class BlockSparsePlan {

    private final int seqLen;
    private final int qTile;
    private final int kTile;
    private final int planHeads;
    private final int qTiles;
    private final int kTiles;
    private final int wordsPerColumn;
    private final int[] exactStart;
    private final int[] exactTile;
    private final int[] maskIndex;
    private final long[] maskBits;
    private final int[] approxStart;
    private final int[] approxTile;
    private final long executedPairs;
    private final long tokenPairs;
    private int hash;

    BlockSparsePlan(int seqLen, int qTile, int kTile, int planHeads, int[] exactStart, int[] exactTile,
                    int[] maskIndex, long[] maskBits, int[] approxStart, int[] approxTile) {
        this.seqLen = seqLen;
        this.qTile = qTile;
        this.kTile = kTile;
        this.planHeads = planHeads;
        this.qTiles = ceilDiv(seqLen, qTile);
        this.kTiles = ceilDiv(seqLen, kTile);
        this.wordsPerColumn = ceilDiv(qTile, 64);
        this.exactStart = exactStart;
        this.exactTile = exactTile;
        this.maskIndex = maskIndex;
        this.maskBits = maskBits;
        this.approxStart = approxStart;
        this.approxTile = approxTile;
        long executed = 0;
        long tokens = 0;
        for (int r = 0; r < planHeads * qTiles; r++) {
            int rows = tileLength(r % qTiles, qTile);
            for (int e = exactStart[r]; e < exactStart[r + 1]; e++) {
                int cols = tileLength(exactTile[e], kTile);
                executed += (long) rows * cols;
                tokens += maskIndex[e] < 0 ? (long) rows * cols : maskPopCount(maskIndex[e]);
            }
        }
        this.executedPairs = executed;
        this.tokenPairs = tokens;
    }

    public static Builder builder(int seqLen, int qTile, int kTile, int planHeads) {
        return new Builder(seqLen, qTile, kTile, planHeads);
    }

    /** Every key tile, whole: dense attention expressed as a plan. */
    public static BlockSparsePlan dense(int seqLen, int qTile, int kTile) {
        Builder b = builder(seqLen, qTile, kTile, 1);
        for (int qt = 0; qt < b.qTiles; qt++) {
            for (int kt = 0; kt < b.kTiles; kt++) b.addFull(0, qt, kt);
        }
        return b.build();
    }

    /**
     * The plan of a token mask: tiles with every pair allowed run whole, tiles with some allowed pairs run with
     * a bit mask, tiles with none are skipped. Evaluates the mask on every pair (O(heads·N²)): fine for
     * reference plans and tests; methods with structure build their plans directly.
     */
    public static BlockSparsePlan fromTokenMask(int seqLen, int qTile, int kTile, int planHeads, TokenMask mask) {
        Builder b = builder(seqLen, qTile, kTile, planHeads);
        for (int h = 0; h < planHeads; h++) {
            for (int qt = 0; qt < b.qTiles; qt++) {
                for (int kt = 0; kt < b.kTiles; kt++) {
                    final int head = h;
                    b.addMasked(h, qt, kt, (q, k) -> mask.allowed(head, q, k));
                }
            }
        }
        return b.build();
    }

    public int seqLen() { return seqLen; }
    public int qTile() { return qTile; }
    public int kTile() { return kTile; }
    public int planHeads() { return planHeads; }
    public int qTiles() { return qTiles; }
    public int kTiles() { return kTiles; }
    public int wordsPerColumn() { return wordsPerColumn; }

    /** Plan row of (head, query tile); heads beyond planHeads share head 0's rows when the plan is shared. */
    public int row(int head, int queryTile) {
        return (planHeads == 1 ? 0 : head) * qTiles + queryTile;
    }

    public int exactStart(int row) { return exactStart[row]; }
    public int exactEnd(int row) { return exactStart[row + 1]; }
    public int exactTile(int entry) { return exactTile[entry]; }
    public int maskIndex(int entry) { return maskIndex[entry]; }
    long[] maskBits() { return maskBits; }
    public int approxStart(int row) { return approxStart[row]; }
    public int approxEnd(int row) { return approxStart[row + 1]; }
    public int approxTile(int entry) { return approxTile[entry]; }

    public boolean hasApproximation() {
        return approxTile.length > 0;
    }

    /** Offset in the mask store of column 0 of mask {@code m}. */
    public int maskOffset(int m) {
        return m * kTile * wordsPerColumn;
    }

    public long maskWord(int index) {
        return maskBits[index];
    }

    /** Whether query {@code q} may attend key {@code k} under this plan's exact part (head {@code h}). */
    public boolean allows(int h, int q, int k) {
        int r = row(h, q / qTile);
        int kt = k / kTile;
        for (int e = exactStart[r]; e < exactStart[r + 1]; e++) {
            if (exactTile[e] != kt) continue;
            int m = maskIndex[e];
            if (m < 0) return true;
            int rowInTile = q % qTile;
            long word = maskBits[maskOffset(m) + (k % kTile) * wordsPerColumn + rowInTile / 64];
            return (word >>> (rowInTile % 64) & 1L) != 0;
        }
        return false;
    }

    /** Fraction of (query, key) pairs computed after tiling: whole tiles, masked or not, count fully. */
    public double executedDensity() {
        return executedPairs / ((double) planHeads * seqLen * seqLen);
    }

    /** Fraction of (query, key) pairs the exact part actually attends (token level). */
    public double tokenDensity() {
        return tokenPairs / ((double) planHeads * seqLen * seqLen);
    }

    /** Fraction of (query tile, key tile) pairs visited exactly. */
    public double tileDensity() {
        return exactTile.length / ((double) planHeads * qTiles * kTiles);
    }

    public int exactEntries() {
        return exactTile.length;
    }

    public int maskedEntries() {
        return maskBits.length / Math.max(1, kTile * wordsPerColumn);
    }

    /** Bytes of the plan's arrays. */
    public long sizeBytes() {
        return 4L * (exactStart.length + exactTile.length + maskIndex.length + approxStart.length + approxTile.length)
                + 8L * maskBits.length;
    }

    private long maskPopCount(int m) {
        long count = 0;
        int base = maskOffset(m);
        for (int i = 0; i < kTile * wordsPerColumn; i++) count += Long.bitCount(maskBits[base + i]);
        return count;
    }

    private int tileLength(int tile, int size) {
        return Math.min(size, seqLen - tile * size);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockSparsePlan p && seqLen == p.seqLen && qTile == p.qTile && kTile == p.kTile
                && planHeads == p.planHeads && Arrays.equals(exactStart, p.exactStart)
                && Arrays.equals(exactTile, p.exactTile) && Arrays.equals(maskIndex, p.maskIndex)
                && Arrays.equals(maskBits, p.maskBits) && Arrays.equals(approxStart, p.approxStart)
                && Arrays.equals(approxTile, p.approxTile);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(new int[] {seqLen, qTile, kTile, planHeads});
            h = 31 * h + Arrays.hashCode(exactStart);
            h = 31 * h + Arrays.hashCode(exactTile);
            h = 31 * h + Arrays.hashCode(maskIndex);
            h = 31 * h + Arrays.hashCode(maskBits);
            h = 31 * h + Arrays.hashCode(approxStart);
            h = 31 * h + Arrays.hashCode(approxTile);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return String.format("BlockSparsePlan[seqLen %d, tiles %dx%d, heads %d, exact tiles %d (%d masked), "
                        + "executed density %.4f, token density %.4f]", seqLen, qTile, kTile, planHeads,
                exactTile.length, maskedEntries(), executedDensity(), tokenDensity());
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Collects tiles row by row. Entries of a row may be added in any order; {@link #build} sorts them by key
     * tile (so execution walks keys in order and equal plans compare equal). Adding a tile twice is an error.
     */
    public static final class Builder {
        private final int seqLen;
        private final int qTile;
        private final int kTile;
        private final int planHeads;
        private final int qTiles;
        private final int kTiles;
        private final int words;
        private final IntList[] exact;
        private final IntList[] approx;
        private final java.util.List<long[]> masks = new java.util.ArrayList<>();
        private final java.util.Map<Long, long[]> maskOfEntry = new java.util.HashMap<>();

        private Builder(int seqLen, int qTile, int kTile, int planHeads) {
            if (seqLen < 1) throw new IllegalArgumentException("seqLen " + seqLen + " must be >= 1");
            if (qTile < 1 || qTile > 4096) throw new IllegalArgumentException("query tile " + qTile + " must be in 1..4096");
            if (kTile < 1 || kTile > 4096) throw new IllegalArgumentException("key tile " + kTile + " must be in 1..4096");
            if (planHeads < 1) throw new IllegalArgumentException("plan heads " + planHeads + " must be >= 1");
            this.seqLen = seqLen;
            this.qTile = qTile;
            this.kTile = kTile;
            this.planHeads = planHeads;
            this.qTiles = ceilDiv(seqLen, qTile);
            this.kTiles = ceilDiv(seqLen, kTile);
            this.words = ceilDiv(qTile, 64);
            this.exact = new IntList[planHeads * qTiles];
            this.approx = new IntList[planHeads * qTiles];
            for (int i = 0; i < exact.length; i++) {
                exact[i] = new IntList();
                approx[i] = new IntList();
            }
        }

        public int qTiles() { return qTiles; }
        public int kTiles() { return kTiles; }

        /** Computes key tile {@code kt} whole for query tile {@code qt} of plan head {@code head}. */
        public Builder addFull(int head, int qt, int kt) {
            exact[checkRow(head, qt, kt)].add(kt);
            return this;
        }

        /**
         * Adds a tile under a token predicate ({@code allowed(query, key)} with sequence positions): whole if
         * every pair is allowed, masked if some are, nothing if none.
         */
        public Builder addMasked(int head, int qt, int kt, TokenMask allowed) {
            int r = checkRow(head, qt, kt);
            int q0 = qt * qTile;
            int k0 = kt * kTile;
            int rows = Math.min(qTile, seqLen - q0);
            int cols = Math.min(kTile, seqLen - k0);
            long[] bits = new long[kTile * words];
            int set = 0;
            for (int c = 0; c < cols; c++) {
                for (int i = 0; i < rows; i++) {
                    if (allowed.allowed(q0 + i, k0 + c)) {
                        bits[c * words + i / 64] |= 1L << (i % 64);
                        set++;
                    }
                }
            }
            if (set == 0) return this;
            exact[r].add(kt);
            if (set < rows * cols) maskOfEntry.put(((long) r << 32) | kt, bits);
            return this;
        }

        /**
         * Adds a tile from a ready bit mask in the plan's mask layout ({@code kTile} columns of
         * {@code ceil(qTile/64)} words; bit {@code i % 64} of word {@code c·words + i/64} = query row i may attend
         * key column c): whole if every pair of the tile is set, masked if some are, nothing if none. Bits outside
         * the tile are ignored. The fast path for methods that compute masks column-wise (GNA); same result as
         * {@link #addMasked} with the equivalent predicate.
         */
        public Builder addMaskBits(int head, int qt, int kt, long[] bits) {
            int r = checkRow(head, qt, kt);
            int rows = Math.min(qTile, seqLen - qt * qTile);
            int cols = Math.min(kTile, seqLen - kt * kTile);
            if (bits.length < kTile * words) {
                throw new IllegalArgumentException("mask has " + bits.length + " words, a tile needs " + kTile * words);
            }
            long[] kept = new long[kTile * words];
            long set = 0;
            for (int c = 0; c < cols; c++) {
                for (int w = 0; w < words; w++) {
                    int valid = Math.min(64, rows - w * 64);
                    long rowMask = valid >= 64 ? -1L : valid <= 0 ? 0L : (1L << valid) - 1;
                    long word = bits[c * words + w] & rowMask;
                    kept[c * words + w] = word;
                    set += Long.bitCount(word);
                }
            }
            if (set == 0) return this;
            exact[r].add(kt);
            if (set < (long) rows * cols) maskOfEntry.put(((long) r << 32) | kt, kept);
            return this;
        }

        /** Approximates key tile {@code kt} for query tile {@code qt} from tile summaries. */
        public Builder addApprox(int head, int qt, int kt) {
            approx[checkRow(head, qt, kt)].add(kt);
            return this;
        }

        public BlockSparsePlan build() {
            int rows = exact.length;
            int[] exactStart = new int[rows + 1];
            int[] approxStart = new int[rows + 1];
            for (int r = 0; r < rows; r++) {
                exact[r].sortUnique(r);
                approx[r].sortUnique(r);
                exactStart[r + 1] = exactStart[r] + exact[r].size;
                approxStart[r + 1] = approxStart[r] + approx[r].size;
            }
            int[] exactTile = new int[exactStart[rows]];
            int[] maskIndex = new int[exactStart[rows]];
            int[] approxTile = new int[approxStart[rows]];
            long[] maskBits = new long[maskOfEntry.size() * kTile * words];
            int masksUsed = 0;
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < exact[r].size; i++) {
                    int e = exactStart[r] + i;
                    int kt = exact[r].values[i];
                    exactTile[e] = kt;
                    long[] bits = maskOfEntry.get(((long) r << 32) | kt);
                    if (bits == null) {
                        maskIndex[e] = -1;
                    } else {
                        System.arraycopy(bits, 0, maskBits, masksUsed * kTile * words, bits.length);
                        maskIndex[e] = masksUsed++;
                    }
                }
                for (int i = 0; i < approx[r].size; i++) {
                    int kt = approx[r].values[i];
                    if (exact[r].contains(kt)) {
                        throw new IllegalStateException("key tile " + kt + " of plan row " + r + " is both exact and approximated");
                    }
                    approxTile[approxStart[r] + i] = kt;
                }
            }
            return new BlockSparsePlan(seqLen, qTile, kTile, planHeads, exactStart, exactTile, maskIndex, maskBits,
                    approxStart, approxTile);
        }

        private int checkRow(int head, int qt, int kt) {
            if (head < 0 || head >= planHeads) throw new IllegalArgumentException("plan head " + head + " not in 0.." + (planHeads - 1));
            if (qt < 0 || qt >= qTiles) throw new IllegalArgumentException("query tile " + qt + " not in 0.." + (qTiles - 1));
            if (kt < 0 || kt >= kTiles) throw new IllegalArgumentException("key tile " + kt + " not in 0.." + (kTiles - 1));
            return head * qTiles + qt;
        }
    }

    /** A growable int list; plans can have millions of entries, so no boxing. */
    private static final class IntList {
        int[] values = new int[8];
        int size;

        void add(int v) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        boolean contains(int v) {
            return Arrays.binarySearch(values, 0, size, v) >= 0;
        }

        void sortUnique(int row) {
            Arrays.sort(values, 0, size);
            for (int i = 1; i < size; i++) {
                if (values[i] == values[i - 1]) {
                    throw new IllegalStateException("key tile " + values[i] + " added twice to plan row " + row);
                }
            }
        }
    }
}
