package io.tilewise.caches.manual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Manual timing (not a test): dense, METHOD and cache(tau=T):METHOD on the bundled model's default attention shape
 * (4 heads, headDim 32, grid 16×16×16) over S steps with new queries each step, interleaved in one JVM; medians of
 * the per-block times. Args: method steps tau rounds.
 */
public final class ResidualTiming {

    public static void main(String[] args) {
        String method = args[0];
        int steps = Integer.parseInt(args[1]);
        int tau = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        AttentionShape shape = new AttentionShape(1, 4, 32, TokenLayout.video(new TokenGrid(16, 16, 16)));
        int n = shape.seqLen();
        String[] specs = {"dense", method, "cache(tau=" + tau + "):" + method};
        AttentionSession[] sessions = new AttentionSession[specs.length];
        for (int i = 0; i < specs.length; i++) sessions[i] = AttentionMethods.create(specs[i]).prepare(shape);
        try (Tensor k = Tensor.randomNormal(1, 1.5f, 1, 4, n, 32); Tensor v = Tensor.randomNormal(2, 1f, 1, 4, n, 32);
             Tensor out = Tensor.allocate(1, 4, n, 32)) {
            Tensor[] q = new Tensor[steps];
            for (int s = 0; s < steps; s++) q[s] = Tensor.randomNormal(10 + s, 1.5f, 1, 4, n, 32);
            double[][] ms = new double[specs.length][rounds];
            for (int r = -2; r < rounds; r++) {
                for (int i = 0; i < specs.length; i++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        sessions[i].forward(q[s], k, v, new AttentionContext(s, steps, 1 - s / (double) steps, 0, Branch.COND, Float.NaN, null), out);
                    }
                    if (r >= 0) ms[i][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            for (int i = 0; i < specs.length; i++) {
                Arrays.sort(ms[i]);
                System.out.printf(Locale.ROOT, "%-40s %8.1f ms per %d steps (median of %d interleaved rounds), vs dense %.2fx%n",
                        specs[i], ms[i][rounds / 2], steps, rounds, ms[0][rounds / 2] / ms[i][rounds / 2]);
            }
            for (Tensor t : q) t.close();
        } finally {
            for (AttentionSession s : sessions) s.close();
        }
    }
}
