package io.tilewise.attention.perf;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A/B speed probe of the dense kernel in one JVM (not a test: run by hand). Variant A is the kernel compiled into
 * {@code baseClasses} (e.g. a copy of target/classes from the base commit), loaded child-first for the kernel
 * packages (cpu, blocksparse, dense) while api and tensor stay shared; variant B is the kernel on the class path.
 * Runs are interleaved (peak, A, B, peak, A, B, ...) and reported as % of the FMA peak of the same round.
 *
 * <p>Usage: {@code DenseAbProbe baseClasses seqLen headDim heads runs}.
 */
public final class DenseAbProbe {

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        int seqLen = Integer.parseInt(args[1]);
        int headDim = Integer.parseInt(args[2]);
        int heads = Integer.parseInt(args[3]);
        int runs = Integer.parseInt(args[4]);
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        double flops = 4.0 * seqLen * (double) seqLen * headDim * heads;
        ClassLoader loader = new KernelFirstLoader(base, KernelFirstLoader.DENSE_PACKAGES, DenseAbProbe.class.getClassLoader());
        AttentionKernel a = (AttentionKernel) loader.loadClass(DenseKernel.class.getName()).getConstructor().newInstance();
        AttentionSession[] sessions = {a.prepare(shape), new DenseKernel().prepare(shape)};
        double[][] pct = new double[2][runs];
        try (Problems p = Problems.random(shape, 7); Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike()) {
            AttentionContext ctx = AttentionContext.standalone();
            for (AttentionSession s : sessions) {
                long warmEnd = System.nanoTime() + 2_000_000_000L;
                int w = 0;
                do {
                    s.forward(p.q(), p.k(), p.v(), ctx, out, lse);
                } while (++w < 3 || System.nanoTime() < warmEnd);
            }
            FmaPeak.measure(20_000_000L);
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < 2; i++) {
                    int v = (r & 1) == 0 ? i : 1 - i;
                    double peak = FmaPeak.measure(20_000_000L);
                    long t0 = System.nanoTime();
                    sessions[v].forward(p.q(), p.k(), p.v(), ctx, out, lse);
                    double gflops = flops / (System.nanoTime() - t0);
                    pct[v][r] = 100 * gflops / peak;
                }
            }
        }
        System.out.printf("seqLen %d headDim %d heads %d threads %d runs %d%n", seqLen, headDim, heads,
                Parallel.threads(), runs);
        for (int v = 0; v < 2; v++) {
            double[] s = pct[v].clone();
            Arrays.sort(s);
            System.out.printf("%s: %% of peak median %.1f  (min %.1f max %.1f)%n", v == 0 ? "A base" : "B new ",
                    s[runs / 2], s[0], s[runs - 1]);
        }
        double[] ratio = new double[runs];
        for (int r = 0; r < runs; r++) ratio[r] = pct[1][r] / pct[0][r];
        Arrays.sort(ratio);
        System.out.printf("B/A per-round ratio median %.3f (min %.3f max %.3f)%n", ratio[runs / 2], ratio[0], ratio[runs - 1]);
    }
}
