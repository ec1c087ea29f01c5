package io.tilewise.reorder;

import java.util.Arrays;

/**
 * A square bit matrix of (query block, key block) pairs, bit-packed row-major: pair {@code (qb, kb)} is bit
 * {@code (qb·blocks + kb) % 64} of word {@code (qb·blocks + kb) / 64}. Immutable once built.
 */
public final class BlockMask {

    private final int blocks;
    private final long[] words;

    private BlockMask(int blocks, long[] words) {
        this.blocks = blocks;
        this.words = words;
    }

    /** Words needed for a {@code blocks × blocks} mask. */
    public static long wordCount(int blocks) {
        return ((long) blocks * blocks + 63) / 64;
    }

    /** A mask over packed words (copied); bits past {@code blocks²} must be zero. */
    public static BlockMask ofWords(int blocks, long[] words) {
        if (blocks < 1) throw new IllegalArgumentException("blocks " + blocks + " must be >= 1");
        if (words.length != wordCount(blocks)) {
            throw new IllegalArgumentException(words.length + " words given, a " + blocks + "x" + blocks + " mask needs " + wordCount(blocks));
        }
        int used = (int) ((long) blocks * blocks % 64);
        if (used != 0 && (words[words.length - 1] >>> used) != 0) {
            throw new IllegalArgumentException("mask has bits set beyond its " + blocks + "x" + blocks + " pairs");
        }
        return new BlockMask(blocks, words.clone());
    }

    /** Every pair on. */
    public static BlockMask full(int blocks) {
        Builder b = new Builder(blocks);
        for (int q = 0; q < blocks; q++) for (int k = 0; k < blocks; k++) b.set(q, k);
        return b.build();
    }

    public int blocks() {
        return blocks;
    }

    public boolean get(int queryBlock, int keyBlock) {
        long bit = (long) queryBlock * blocks + keyBlock;
        return (words[(int) (bit >>> 6)] >>> (bit & 63) & 1L) != 0;
    }

    /** Number of pairs on. */
    public long count() {
        long c = 0;
        for (long w : words) c += Long.bitCount(w);
        return c;
    }

    /** Number of key blocks on in row {@code queryBlock}. */
    public int rowCount(int queryBlock) {
        int c = 0;
        for (int k = 0; k < blocks; k++) if (get(queryBlock, k)) c++;
        return c;
    }

    /**
     * The first query block whose row has no key block on, or −1 when every row has one. A query with no key has
     * no softmax (0/0): every plan must keep at least one key block per row (docs/methods.md §1). Word-wise, so it costs
     * {@code O(blocks + words)}.
     */
    public int firstEmptyRow() {
        for (int q = 0; q < blocks; q++) {
            if (!anySet((long) q * blocks, (long) (q + 1) * blocks)) return q;
        }
        return -1;
    }

    /** Whether any bit in {@code [from, to)} is on. */
    private boolean anySet(long from, long to) {
        int first = (int) (from >>> 6);
        int last = (int) ((to - 1) >>> 6);
        for (int w = first; w <= last; w++) {
            long word = words[w];
            if (w == first) word &= -1L << (from & 63);
            if (w == last) word &= -1L >>> (63 - ((to - 1) & 63));
            if (word != 0) return true;
        }
        return false;
    }

    /** Fraction of block pairs on. */
    public double blockDensity() {
        return count() / ((double) blocks * blocks);
    }

    public long[] words() {
        return words.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockMask m && m.blocks == blocks && Arrays.equals(m.words, words);
    }

    @Override
    public int hashCode() {
        return 31 * blocks + Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        return String.format("BlockMask[%dx%d, %.4f on]", blocks, blocks, blockDensity());
    }

    /** Mutable collector of a mask. */
    public static final class Builder {
        private final int blocks;
        private final long[] words;

        public Builder(int blocks) {
            if (blocks < 1) throw new IllegalArgumentException("blocks " + blocks + " must be >= 1");
            this.blocks = blocks;
            this.words = new long[Math.toIntExact(wordCount(blocks))];
        }

        public Builder set(int queryBlock, int keyBlock) {
            if (queryBlock < 0 || queryBlock >= blocks || keyBlock < 0 || keyBlock >= blocks) {
                throw new IllegalArgumentException("block pair (" + queryBlock + ", " + keyBlock + ") not in 0.." + (blocks - 1));
            }
            long bit = (long) queryBlock * blocks + keyBlock;
            words[(int) (bit >>> 6)] |= 1L << (bit & 63);
            return this;
        }

        public boolean get(int queryBlock, int keyBlock) {
            long bit = (long) queryBlock * blocks + keyBlock;
            return (words[(int) (bit >>> 6)] >>> (bit & 63) & 1L) != 0;
        }

        public BlockMask build() {
            return new BlockMask(blocks, words.clone());
        }
    }
}
