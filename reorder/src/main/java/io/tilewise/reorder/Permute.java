package io.tilewise.reorder;

import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

/**
 * Applies and undoes per-head token permutations on {@code [batch, heads, seqLen, width]} tensors (q, k, v,
 * outputs, or LSE with width 1). Each head may have its own permutation; one shared permutation is allowed
 * ({@code perHead.length == 1}). Pure row copies: apply then undo is bit-exact.
 */
public final class Permute {

    private Permute() {
    }

    /** {@code dst} = {@code src} with the rows of head h in {@code perHead[h]}'s order. */
    public static void apply(TokenPermutation[] perHead, Tensor src, Tensor dst) {
        run(perHead, src, dst, true);
    }

    /** {@code dst} = {@code src} (in permuted order) brought back to the original order. */
    public static void undo(TokenPermutation[] perHead, Tensor src, Tensor dst) {
        run(perHead, src, dst, false);
    }

    private static void run(TokenPermutation[] perHead, Tensor src, Tensor dst, boolean forward) {
        src.requireSameShape(dst, "destination");
        int heads = src.heads();
        if (perHead.length != 1 && perHead.length != heads) {
            throw new IllegalArgumentException(perHead.length + " permutations given for " + heads + " heads");
        }
        for (TokenPermutation p : perHead) {
            if (p.seqLen() != src.seqLen()) {
                throw new IllegalArgumentException("permutation over " + p.seqLen() + " tokens, tensor has seqLen " + src.seqLen());
            }
        }
        int seqLen = src.seqLen();
        int width = src.headDim();
        Parallel.forEach(src.batch() * heads, bh -> {
            int b = bh / heads;
            int h = bh % heads;
            TokenPermutation p = perHead[perHead.length == 1 ? 0 : h];
            float[] in = new float[seqLen * width];
            float[] out = new float[seqLen * width];
            src.copyHeadTo(b, h, in, 0);
            if (forward) p.permuteRows(in, out, width);
            else p.unpermuteRows(in, out, width);
            dst.copyRowsFrom(b, h, 0, seqLen, out, 0);
        });
    }
}
