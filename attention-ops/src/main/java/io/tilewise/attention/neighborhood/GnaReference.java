package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.tensor.Tensor;

/**
 * The GNA oracle: a token mask evaluated pair by pair straight from the per-axis rules (no tables, no tiles),
 * run through the fp64 {@link DenseReference}. Slow by design (O(N²) rule evaluations); for tests and small
 * problems.
 */
public final class GnaReference {

    private GnaReference() {
    }

    /** The brute-force token mask of {@code spec} on {@code layout}. */
    public static TokenMask mask(GnaSpec spec, TokenLayout layout) {
        TokenGrid grid = layout.grid();
        String problem = spec.check(grid);
        if (problem != null) throw new SpecException(problem);
        GnaAxis[] axes = {spec.axis(grid, 0), spec.axis(grid, 1), spec.axis(grid, 2)};
        return (query, key) -> {
            if (layout.isText(query) || layout.isText(key)) return true;
            int[] q = layout.coords(query);
            int[] k = layout.coords(key);
            return axes[0].allowed(q[0], k[0]) && axes[1].allowed(q[1], k[1]) && axes[2].allowed(q[2], k[2]);
        };
    }

    /** fp64 GNA attention of {@code [batch, heads, seqLen, headDim]} inputs laid out as {@code layout}. */
    public static void forward(GnaSpec spec, TokenLayout layout, Tensor q, Tensor k, Tensor v, float scale, Tensor out,
                               Tensor lse) {
        if (q.seqLen() != layout.seqLen()) {
            throw new IllegalArgumentException("q has seqLen " + q.seqLen() + ", layout " + layout + " has " + layout.seqLen());
        }
        DenseReference.forward(q, k, v, scale, mask(spec, layout), out, lse);
    }
}
