package io.tilewise.caches.manual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.flashblock.ChunkAttention;
import io.tilewise.caches.flashblock.KvContext;

import java.util.Arrays;
import java.util.Locale;

/**
 * Manual timing (not a test): attention of one streaming chunk (the bundled causal model's shape: 4 heads,
 * headDim 32, a chunk of 2×16×16 tokens) with C chunks of context, uncached vs FlashBlock over S denoising steps,
 * interleaved A, B, A, B in one JVM; medians per block of S steps. Args: contextChunks steps tau rounds.
 */
public final class ChunkAttentionTiming {

    public static void main(String[] args) {
        int contextChunks = Integer.parseInt(args[0]);
        int steps = Integer.parseInt(args[1]);
        int tau = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        AttentionShape chunk = new AttentionShape(1, 4, 32, TokenLayout.video(new TokenGrid(2, 16, 16)));
        int n = chunk.seqLen();
        try (Tensor k = Tensor.randomNormal(1, 1.5f, 1, 4, n, 32); Tensor v = Tensor.randomNormal(2, 1f, 1, 4, n, 32);
             Tensor ck = Tensor.randomNormal(3, 1.5f, 1, 4, contextChunks * n, 32);
             Tensor cv = Tensor.randomNormal(4, 1f, 1, 4, contextChunks * n, 32);
             Tensor out = Tensor.allocate(1, 4, n, 32);
             AttentionSession dense = new DenseKernel().prepare(chunk);
             ChunkAttention uncached = ChunkAttention.uncached(chunk);
             ChunkAttention flash = ChunkAttention.flashBlock(chunk, tau)) {
            Tensor[] q = new Tensor[steps];
            for (int s = 0; s < steps; s++) q[s] = Tensor.randomNormal(10 + s, 1.5f, 1, 4, n, 32);
            KvContext kv = new KvContext(ck, cv, contextChunks * n, 1);
            double[] a = new double[rounds], b = new double[rounds];
            for (int r = -3; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) uncached.forward(dense, q[s], k, v, kv, at(s), out);
                long t1 = System.nanoTime();
                for (int s = 0; s < steps; s++) flash.forward(dense, q[s], k, v, kv, at(s), out);
                long t2 = System.nanoTime();
                if (r >= 0) {
                    a[r] = (t1 - t0) / 1e6;
                    b[r] = (t2 - t1) / 1e6;
                }
            }
            Arrays.sort(a);
            Arrays.sort(b);
            System.out.printf(Locale.ROOT, "%d chunks of context (%d keys), %d steps, tau %d: uncached %.1f ms, flashblock %.1f ms per chunk "
                            + "(medians of %d interleaved rounds) -> %.2fx%n", contextChunks, contextChunks * n, steps, tau,
                    a[rounds / 2], b[rounds / 2], rounds, a[rounds / 2] / b[rounds / 2]);
            for (Tensor t : q) t.close();
        }
    }

    private static AttentionContext at(int step) {
        return new AttentionContext(step, 20, 1 - step / 20.0, 0, Branch.COND, Float.NaN, null);
    }
}
