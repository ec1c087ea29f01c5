package io.tilewise.attention.piecewise;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code pisa:density=F,block=N,first_order=0|1,bias=0|1,keep_or_drop=0|1} — PISA, piecewise sparse attention
 * (ALGORITHMS.md §5.1): per query block the {@code max(1, ⌊density·N⌋)} highest-scoring key blocks run exactly,
 * every other key block is approximated by its zeroth-order Taylor term, plus a shared first-order correction.
 *
 * <p>Defaults follow the released FLUX demo (ALGORITHMS.md §5.2): density 0.15 (README example), block 64,
 * first-order term on, block-score bias {@code log(‖H_j‖_F + 1e-5)} on (FLUX processor). {@code keep_or_drop=1}
 * makes the same block selection but drops the non-selected blocks (the "keep-or-drop" baseline PISA improves
 * on); there is nothing to correct then, so {@code first_order} must be 0 and defaults to 0.
 *
 * <p>PISA works on the 1-D token sequence: text tokens are ordinary tokens whose blocks compete in the top-k
 * (ALGORITHMS.md §1), so every token layout is supported.
 *
 * @param density    fraction of key blocks computed exactly per query block, in (0, 1]
 * @param block      block size in tokens (query and key blocks; the last block may be shorter)
 * @param firstOrder whether the shared first-order term {@code (g_i/T)·τ·q_iᵀH} is added
 * @param bias       whether block scores get {@code log(‖H_j‖_F + 1e-5)} added
 * @param keepOrDrop whether non-selected blocks are dropped instead of approximated
 */
public record PisaSpec(double density, int block, boolean firstOrder, boolean bias, boolean keepOrDrop) {

    public static final double DEFAULT_DENSITY = 0.15;
    public static final int DEFAULT_BLOCK = 64;
    public static final int MAX_BLOCK = 4096;

    public PisaSpec {
        if (!(density > 0 && density <= 1)) throw new IllegalArgumentException("density " + density + " must be in (0, 1]");
        if (block < 1 || block > MAX_BLOCK) throw new IllegalArgumentException("block " + block + " must be in 1.." + MAX_BLOCK);
        if (keepOrDrop && firstOrder) throw new IllegalArgumentException("keep_or_drop has no first-order term");
    }

    /** The defaults: {@code pisa:density=0.15,block=64,first_order=1,bias=1}. */
    public static PisaSpec defaults() {
        return new PisaSpec(DEFAULT_DENSITY, DEFAULT_BLOCK, true, true, false);
    }

    public static PisaSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "density", "block", "first_order", "bias", "keep_or_drop");
        double density = r.doubleValue("density", DEFAULT_DENSITY, 0.0, true, 1.0);
        int block = r.intValue("block", DEFAULT_BLOCK, 1, MAX_BLOCK);
        boolean bias = r.flag("bias", true);
        boolean drop = r.flag("keep_or_drop", false);
        boolean firstOrder = r.flag("first_order", !drop);
        if (drop && firstOrder) {
            throw r.fail("first_order", spec.params().get("first_order"),
                    "0 with keep_or_drop=1 (dropped blocks have no first-order term)");
        }
        r.done();
        return new PisaSpec(density, block, firstOrder, bias, drop);
    }

    /** Key blocks kept exactly per query block: {@code max(1, ⌊density·blocks⌋)}, at most {@code blocks}. */
    public int topK(int blocks) {
        // Literal floor of the double product, as the released code does (0.29·100 gives 28).
        return Math.max(1, Math.min(blocks, (int) Math.floor(density * blocks)));
    }

    /** Number of blocks of a sequence. */
    public int blocks(int seqLen) {
        return (seqLen + block - 1) / block;
    }

    public String canonical() {
        String s = "pisa:density=" + density + ",block=" + block;
        return keepOrDrop ? s + ",bias=" + (bias ? 1 : 0) + ",keep_or_drop=1"
                : s + ",first_order=" + (firstOrder ? 1 : 0) + ",bias=" + (bias ? 1 : 0);
    }
}
