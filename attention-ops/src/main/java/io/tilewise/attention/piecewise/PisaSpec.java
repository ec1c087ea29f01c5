package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code pisa:density=F,block=N,first_order=0|1,bias=0|1,keep_or_drop=0|1,tile=auto|none|FxHxW} — PISA, piecewise sparse attention
 * (docs/methods.md §5.1): per query block the {@code max(1, ⌊density·N⌋)} highest-scoring key blocks run exactly,
 * every other key block is approximated by its zeroth-order Taylor term, plus a shared first-order correction.
 *
 * <p>Defaults follow the released FLUX demo (docs/methods.md §5.2): density 0.15 (README example), block 64,
 * first-order term on, block-score bias {@code log(‖H_j‖_F + 1e-5)} on (FLUX processor). {@code keep_or_drop=1}
 * makes the same block selection but drops the non-selected blocks (the "keep-or-drop" baseline PISA improves
 * on); there is nothing to correct then, so {@code first_order} must be 0 and defaults to 0.
 *
 * <p>PISA works on a 1-D token sequence: text tokens are ordinary tokens whose blocks compete in the top-k
 * (docs/methods.md §1), so every token layout is supported. On a video grid that sequence is first re-tiled so each
 * block is a box of neighbouring tokens ({@link PisaTiling}; {@code tile=none} keeps the layout order).
 *
 * @param density    fraction of key blocks computed exactly per query block, in (0, 1]
 * @param block      block size in tokens (query and key blocks; the last block may be shorter)
 * @param firstOrder whether the shared first-order term {@code (g_i/T)·τ·q_iᵀH} is added
 * @param bias       whether block scores get {@code log(‖H_j‖_F + 1e-5)} added
 * @param keepOrDrop whether non-selected blocks are dropped instead of approximated
 * @param tiling     which tokens form a block
 */
public record PisaSpec(double density, int block, boolean firstOrder, boolean bias, boolean keepOrDrop, PisaTiling tiling) {

    public static final double DEFAULT_DENSITY = 0.15;
    public static final int DEFAULT_BLOCK = 64;
    public static final int MAX_BLOCK = 4096;

    public PisaSpec {
        if (!(density > 0 && density <= 1)) throw new IllegalArgumentException("density " + density + " must be in (0, 1]");
        if (block < 1 || block > MAX_BLOCK) throw new IllegalArgumentException("block " + block + " must be in 1.." + MAX_BLOCK);
        if (keepOrDrop && firstOrder) throw new IllegalArgumentException("keep_or_drop has no first-order term");
        if (tiling == null) tiling = PisaTiling.AUTO;
        int[] box = tiling.box();
        if (box != null && (long) box[0] * box[1] * box[2] != block) {
            throw new IllegalArgumentException("tile " + tiling + " holds " + (long) box[0] * box[1] * box[2]
                    + " tokens; it must hold block=" + block);
        }
    }

    /** Blocks tiled automatically ({@link PisaTiling#AUTO}). */
    public PisaSpec(double density, int block, boolean firstOrder, boolean bias, boolean keepOrDrop) {
        this(density, block, firstOrder, bias, keepOrDrop, PisaTiling.AUTO);
    }

    /** The defaults: {@code pisa:density=0.15,block=64,first_order=1,bias=1}. */
    public static PisaSpec defaults() {
        return new PisaSpec(DEFAULT_DENSITY, DEFAULT_BLOCK, true, true, false);
    }

    public static PisaSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "density", "block", "first_order", "bias", "keep_or_drop", "tile");
        double density = r.doubleValue("density", DEFAULT_DENSITY, 0.0, true, 1.0);
        int block = r.intValue("block", DEFAULT_BLOCK, 1, MAX_BLOCK);
        boolean bias = r.flag("bias", true);
        boolean drop = r.flag("keep_or_drop", false);
        boolean firstOrder = r.flag("first_order", !drop);
        if (drop && firstOrder) {
            throw r.fail("first_order", spec.params().get("first_order"),
                    "0 with keep_or_drop=1 (dropped blocks have no first-order term)");
        }
        PisaTiling tiling = tiling(r, spec.params().get("tile"), block);
        r.done();
        return new PisaSpec(density, block, firstOrder, bias, drop, tiling);
    }

    private static PisaTiling tiling(SpecReader r, String raw, int block) {
        if (raw == null || raw.equals("auto")) return PisaTiling.AUTO;
        if (raw.equals("none")) return PisaTiling.NONE;
        String allowed = "auto, none or a box FxHxW of block=" + block + " tokens (e.g. 4x4x4 for block 64)";
        if (!raw.contains("x")) throw r.fail("tile", raw, allowed);
        int[] box = r.axes("tile", null, 3, 1, MAX_BLOCK);
        if ((long) box[0] * box[1] * box[2] != block) throw r.fail("tile", raw, allowed);
        return PisaTiling.box(box[0], box[1], box[2]);
    }

    /** Key blocks kept exactly per query block: {@code max(1, ⌊density·blocks⌋)}, at most {@code blocks}. */
    public int topK(int blocks) {
        // Literal floor of the double product, as the released code does (0.29·100 gives 28).
        return Math.max(1, Math.min(blocks, (int) Math.floor(density * blocks)));
    }

    /** Tiled position → layout position on {@code layout}, or null when blocks are runs of the layout order. */
    public int[] order(TokenLayout layout) {
        return tiling.order(layout, block);
    }

    /** Number of blocks of a sequence. */
    public int blocks(int seqLen) {
        return (seqLen + block - 1) / block;
    }

    public String canonical() {
        String s = "pisa:density=" + density + ",block=" + block;
        s = keepOrDrop ? s + ",bias=" + (bias ? 1 : 0) + ",keep_or_drop=1"
                : s + ",first_order=" + (firstOrder ? 1 : 0) + ",bias=" + (bias ? 1 : 0);
        return tiling.auto() ? s : s + ",tile=" + tiling.canonical();
    }
}
