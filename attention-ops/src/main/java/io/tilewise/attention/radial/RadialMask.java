package io.tilewise.attention.radial;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

/**
 * Radial attention's mask for one token layout: the single source of truth for the token rule, the block rule
 * and the plan (docs/methods.md §3.2).
 *
 * <p><b>Token rule</b> (video tokens, {@code f} frames of {@code s} tokens, {@code P = 2^bitlen(s)}): for query
 * frame {@code i} and key frame {@code j}, {@code dist = |i−j|}, {@code g = bitlen(dist)}:
 * <ol>
 *   <li>sink (when enabled): key frame 0 is seen whole;</li>
 *   <li>window {@code w = s} when {@code dist ≤ 1}, else {@code max(P/2^g · decay, B)};</li>
 *   <li>query raster index {@code r} sees key raster index {@code c} iff {@code |c − r| ≤ w};</li>
 *   <li>with the undecayed length {@code u = P/2^g}: if {@code u < B}, {@code split = int(B/u)} and the pair is
 *       dropped unless {@code dist mod split == 0}. As in the released code this applies to every non-sink pair,
 *       adjacent frames included: it drops them when {@code P ≤ B}, i.e. for frames of fewer than B tokens
 *       when B is a power of two.</li>
 * </ol>
 *
 * <p><b>Block rule</b>: blocks are the sequence's {@code B}-grid from position 0 (the last one may be shorter). The
 * video part of block pair {@code (a, b)} — video query rows of block a × video key columns of block b — is kept iff,
 * among its key columns with at least one hit, more than 60 % have column density > 1/3, where column density is
 * the fraction of the block's video query rows that hit the column. Kept blocks run whole. Diagonal blocks are
 * always kept, so every query row keeps at least its own token (the rule alone could drop them for frames much
 * smaller than B). Choices where the original gives no answer:
 * <ul>
 *   <li>The rule is applied to the block of the flattened sequence, counting rows of every frame the block
 *       covers. (The released code shrinks each frame pair separately and ORs the results; the two agree when
 *       frames align with blocks.)</li>
 *   <li>A short last block divides by its real row count (no padded rows), so any token count works.</li>
 *   <li>Text rows and columns are dense. With text, blocks stay on the sequence grid: for PREFIX text the first
 *       video block is the rest of the block the text ends in. Only tiles mixing text with dropped video pairs
 *       need a token mask, so the plan is exact with tiles of size B.</li>
 * </ul>
 *
 * <p>Building the block mask counts hits per key column with per-frame-segment interval arithmetic:
 * O(blocks² · B · frames per block), not O(N²).
 */
public final class RadialMask {

    private final TokenLayout layout;
    private final RadialSpec spec;
    private final int frames;
    private final int perFrame;
    private final int block;
    private final int seqLen;
    private final int videoStart;
    private final int videoEnd;
    private final int textStart;
    private final int textEnd;
    private final int blocks;
    /** Per frame distance: the largest |c − r| that hits (≥ s−1 means the whole pair), or −1 if dropped. */
    private final int[] reach;
    private final long[] kept;

    private RadialMask(TokenLayout layout, RadialSpec spec) {
        this.layout = layout;
        this.spec = spec;
        this.frames = layout.grid().frames();
        this.perFrame = layout.grid().tokensPerFrame();
        this.block = spec.block();
        this.seqLen = layout.seqLen();
        this.videoStart = layout.videoStart();
        this.videoEnd = videoStart + layout.videoTokens();
        this.textStart = layout.textStart();
        this.textEnd = textStart + layout.textTokens();
        this.blocks = (seqLen + block - 1) / block;
        this.reach = new int[frames];
        for (int d = 0; d < frames; d++) {
            reach[d] = dropped(d) ? -1 : (int) Math.min(perFrame, Math.floor(windowWidth(d)));
        }
        this.kept = new long[(int) (((long) blocks * blocks + 63) / 64)];
        buildBlockMask();
    }

    public static RadialMask of(TokenLayout layout, RadialSpec spec) {
        return new RadialMask(layout, spec);
    }

    public TokenLayout layout() { return layout; }
    public RadialSpec spec() { return spec; }
    public int blocks() { return blocks; }

    // ---------------------------------------------------------------------------------------- token rule

    /** {@code P = 2^bitlen(s)}: the smallest power of two strictly greater than the tokens per frame. */
    public static double framePeriod(int tokensPerFrame) {
        return Math.scalb(1.0, bitLength(tokensPerFrame));
    }

    /** Undecayed length {@code u = P / 2^bitlen(dist)}. */
    public double undecayedLength(int dist) {
        return Math.scalb(framePeriod(perFrame), -bitLength(dist));
    }

    /** Window width {@code w} of frame pairs at distance {@code dist}: s for dist ≤ 1, else max(u·decay, B). */
    public double windowWidth(int dist) {
        if (dist <= 1) return perFrame;
        double w = undecayedLength(dist) * spec.decay();
        return w < block ? block : w;
    }

    /** {@code int(B/u)} when the diagonal-frequency rule applies ({@code u < B}), else 0. */
    public int splitFactor(int dist) {
        double u = undecayedLength(dist);
        return u < block ? (int) (block / u) : 0;
    }

    /** Whether the diagonal-frequency rule drops every pair at this distance (the sink is not considered). */
    public boolean dropped(int dist) {
        int split = splitFactor(dist);
        return split > 0 && dist % split != 0;
    }

    /** The token rule between video tokens (video indices, frame-major), before block-ification. */
    public boolean tokenHit(int queryVideo, int keyVideo) {
        int i = queryVideo / perFrame;
        int j = keyVideo / perFrame;
        if (spec.sink() && j == 0) return true;
        int dist = Math.abs(i - j);
        if (dropped(dist)) return false;
        return Math.abs(keyVideo % perFrame - queryVideo % perFrame) <= windowWidth(dist);
    }

    // ---------------------------------------------------------------------------------------- block rule

    /** Whether the video part of block pair (query block a, key block b) is kept (run whole). */
    public boolean blockKept(int a, int b) {
        long bit = (long) a * blocks + b;
        return (kept[(int) (bit >>> 6)] >>> (bit & 63) & 1L) != 0;
    }

    /** The final token mask (sequence positions): text rows/columns dense, video pairs by their block. */
    public boolean allowed(int query, int key) {
        if (isText(query) || isText(key)) return true;
        return blockKept(query / block, key / block);
    }

    public TokenMask tokenMask() {
        return this::allowed;
    }

    /** Fraction of block pairs whose video part is kept, over block pairs holding video×video pairs. */
    public double keptVideoBlockFraction() {
        long video = 0;
        long on = 0;
        for (int a = 0; a < blocks; a++) {
            if (!hasVideo(a)) continue;
            for (int b = 0; b < blocks; b++) {
                if (!hasVideo(b)) continue;
                video++;
                if (blockKept(a, b)) on++;
            }
        }
        return on / (double) video;
    }

    /**
     * The execution plan, tiles of B×B on the sequence grid, shared by all heads: kept blocks and all-text
     * blocks whole, blocks mixing text with a dropped video part through a token mask (text pairs only), the
     * rest skipped.
     */
    public BlockSparsePlan plan() {
        BlockSparsePlan.Builder builder = BlockSparsePlan.builder(seqLen, block, block, 1);
        TokenMask textOnly = (q, k) -> isText(q) || isText(k);
        for (int a = 0; a < blocks; a++) {
            for (int b = 0; b < blocks; b++) {
                if (!hasVideo(a) || !hasVideo(b) || blockKept(a, b)) {
                    builder.addFull(0, a, b);
                } else if (hasText(a) || hasText(b)) {
                    builder.addMasked(0, a, b, textOnly);
                }
            }
        }
        return builder.build();
    }

    private void buildBlockMask() {
        // Query frame segments of the current block row: frame, first and end raster index (exclusive).
        int[] segFrame = new int[block + 1];
        int[] segLo = new int[block + 1];
        int[] segHi = new int[block + 1];
        for (int a = 0; a < blocks; a++) {
            int r0 = Math.max(a * block, videoStart) - videoStart;
            int r1 = Math.min(Math.min((a + 1) * block, seqLen), videoEnd) - videoStart;
            if (r0 >= r1) continue;
            int rows = r1 - r0;
            int segments = 0;
            for (int t = r0; t < r1; ) {
                int f = t / perFrame;
                int end = Math.min(r1, (f + 1) * perFrame);
                segFrame[segments] = f;
                segLo[segments] = t - f * perFrame;
                segHi[segments] = end - f * perFrame;
                segments++;
                t = end;
            }
            for (int b = 0; b < blocks; b++) {
                if (a == b) {
                    setKept(a, b);
                    continue;
                }
                int c0 = Math.max(b * block, videoStart) - videoStart;
                int c1 = Math.min(Math.min((b + 1) * block, seqLen), videoEnd) - videoStart;
                if (c0 >= c1) continue;
                int withHits = 0;
                int dense = 0;
                for (int kv = c0; kv < c1; kv++) {
                    int j = kv / perFrame;
                    int c = kv - j * perFrame;
                    int hits = 0;
                    for (int s = 0; s < segments; s++) {
                        hits += hitsInSegment(segFrame[s], j, c, segLo[s], segHi[s]);
                    }
                    if (hits > 0) withHits++;
                    if (3L * hits > rows) dense++;
                }
                // more than 60 % of the hit columns dense, in integers: dense/withHits > 3/5
                if (5L * dense > 3L * withHits) setKept(a, b);
            }
        }
    }

    /** Query raster indices in [lo, hi) of frame i that hit key raster index c of frame j. */
    private int hitsInSegment(int i, int j, int c, int lo, int hi) {
        if (spec.sink() && j == 0) return hi - lo;
        int w = reach[Math.abs(i - j)];
        if (w < 0) return 0;
        int from = Math.max(lo, c - w);
        int to = Math.min(hi - 1, c + w);
        return Math.max(0, to - from + 1);
    }

    private void setKept(int a, int b) {
        long bit = (long) a * blocks + b;
        kept[(int) (bit >>> 6)] |= 1L << (bit & 63);
    }

    private boolean isText(int token) {
        return token >= textStart && token < textEnd;
    }

    /** Whether sequence block {@code a} holds any video token. */
    private boolean hasVideo(int a) {
        return Math.max(a * block, videoStart) < Math.min((a + 1) * block, videoEnd);
    }

    private boolean hasText(int a) {
        return Math.max(a * block, textStart) < Math.min((a + 1) * block, textEnd);
    }

    /** Python's {@code int.bit_length()}: 0 for 0, else ⌊log2 n⌋ + 1. */
    static int bitLength(int n) {
        return 32 - Integer.numberOfLeadingZeros(n);
    }
}
