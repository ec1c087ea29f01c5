package io.tilewise.attention.perf;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * As {@link DenseAbProbe}, but on one thread and timed in that thread's CPU time, against the single-thread FMA peak
 * also in CPU time: on a machine shared with other builds, time slices taken by other processes then count against
 * neither variant (cache pollution still does, so rounds are interleaved and medians read). Not a test.
 *
 * <p>Usage: {@code DenseCpuAbProbe baseClasses seqLen headDim heads runs}.
 */
public final class DenseCpuAbProbe {

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        int seqLen = Integer.parseInt(args[1]);
        int headDim = Integer.parseInt(args[2]);
        int heads = Integer.parseInt(args[3]);
        int runs = Integer.parseInt(args[4]);
        Parallel.withThreads(1, () -> {
            try {
                run(base, seqLen, headDim, heads, runs);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
    }

    private static void run(Path base, int seqLen, int headDim, int heads, int runs) throws Exception {
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        double flops = 4.0 * seqLen * (double) seqLen * headDim * heads;
        ClassLoader loader = new KernelFirstLoader(base, KernelFirstLoader.DENSE_PACKAGES,
                DenseCpuAbProbe.class.getClassLoader());
        AttentionKernel a = (AttentionKernel) loader.loadClass(DenseKernel.class.getName()).getConstructor().newInstance();
        AttentionSession[] sessions = {a.prepare(shape), new DenseKernel().prepare(shape)};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] pct = new double[2][runs];
        try (Problems p = Problems.random(shape, 7); Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike()) {
            AttentionContext ctx = AttentionContext.standalone();
            for (AttentionSession s : sessions) {
                for (int w = 0; w < 3; w++) s.forward(p.q(), p.k(), p.v(), ctx, out, lse);
            }
            FmaPeak.singleThread(20_000_000L);
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < 2; i++) {
                    int v = (r & 1) == 0 ? i : 1 - i;
                    long p0 = mx.getCurrentThreadCpuTime();
                    FmaPeak.loopOnly(20_000_000L);
                    double peak = 20_000_000.0 * FmaPeak.FLOPS_PER_ITERATION / (mx.getCurrentThreadCpuTime() - p0);
                    long t0 = mx.getCurrentThreadCpuTime();
                    sessions[v].forward(p.q(), p.k(), p.v(), ctx, out, lse);
                    pct[v][r] = 100 * flops / (mx.getCurrentThreadCpuTime() - t0) / peak;
                }
            }
        }
        System.out.printf(Locale.ROOT, "seqLen %d headDim %d heads %d, 1 thread, CPU time, runs %d%n", seqLen, headDim,
                heads, runs);
        for (int v = 0; v < 2; v++) {
            double[] s = pct[v].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%s: %% of single-thread peak median %.1f  (min %.1f max %.1f)%n",
                    v == 0 ? "A base" : "B new ", s[runs / 2], s[0], s[runs - 1]);
        }
        double[] ratio = new double[runs];
        for (int r = 0; r < runs; r++) ratio[r] = pct[1][r] / pct[0][r];
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "B/A per-round ratio median %.3f (min %.3f max %.3f)%n", ratio[runs / 2], ratio[0],
                ratio[runs - 1]);
    }
}
