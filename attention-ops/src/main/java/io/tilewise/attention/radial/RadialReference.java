package io.tilewise.attention.radial;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.tensor.Tensor;

/**
 * Radial attention the slow, obvious way: the block rule evaluated by counting the token rule over every
 * (query, key) pair of every block, then the dense fp64 oracle under the resulting token mask. Independent of
 * {@link RadialMask}'s interval arithmetic (it shares only the token rule), so tests comparing the two check the
 * fast block mask. O(N²): for tests.
 */
public final class RadialReference {

    private RadialReference() {
    }

    /** The token mask after block-ification, recomputed from {@link RadialMask#tokenHit} pair by pair. */
    public static TokenMask mask(TokenLayout layout, RadialSpec spec) {
        RadialMask rule = RadialMask.of(layout, spec);
        int n = layout.seqLen();
        int block = spec.block();
        int blocks = (n + block - 1) / block;
        boolean[][] kept = new boolean[blocks][blocks];
        for (int a = 0; a < blocks; a++) {
            int[] rowsHit = new int[n];
            int rows = 0;
            for (int q = a * block; q < Math.min(n, (a + 1) * block); q++) {
                if (layout.isText(q)) continue;
                rows++;
                for (int k = 0; k < n; k++) {
                    if (!layout.isText(k) && rule.tokenHit(q - layout.videoStart(), k - layout.videoStart())) rowsHit[k]++;
                }
            }
            for (int b = 0; b < blocks; b++) {
                int withHits = 0;
                int dense = 0;
                for (int k = b * block; k < Math.min(n, (b + 1) * block); k++) {
                    if (rowsHit[k] > 0) withHits++;
                    if (rowsHit[k] > rows / 3.0) dense++;
                }
                kept[a][b] = a == b || (withHits > 0 && dense / (double) withHits > 0.6);
            }
        }
        return (q, k) -> layout.isText(q) || layout.isText(k) || kept[q / block][k / block];
    }

    /** Masked dense attention under {@link #mask}; {@code lse} may be null. */
    public static void forward(Tensor q, Tensor k, Tensor v, float scale, TokenLayout layout, RadialSpec spec,
                               Tensor out, Tensor lse) {
        DenseReference.forward(q, k, v, scale, mask(layout, spec), out, lse);
    }
}
