package io.tilewise.attention.perf;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.BlockSparseSpec;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Speed probe for the CPU kernels (not a test: run by hand). Warms every variant up, then runs them interleaved
 * (A, B, C, A, B, C, ...) and prints the median time, dense-equivalent GFLOP/s (4·N²·D·H) and the ratio to the
 * first variant.
 *
 * <p>Usage: {@code KernelSpeedProbe seqLen headDim heads runs spec...} where spec is {@code dense},
 * {@code blocksparse:keep=F} (tile 128) or {@code band=W} (token band |q−k| ≤ W, partial-tile masks); e.g. {@code 16384 64 4 5 dense blocksparse:keep=0.5 blocksparse:keep=0.25}.
 */
public final class KernelSpeedProbe {

    public static void main(String[] args) throws Exception {
        int seqLen = Integer.parseInt(args[0]);
        int headDim = Integer.parseInt(args[1]);
        int heads = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        List<String> specs = Arrays.asList(args).subList(4, args.length);
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        double flops = 4.0 * seqLen * (double) seqLen * headDim * heads;
        List<AttentionSession> sessions = new ArrayList<>();
        for (String s : specs) sessions.add(session(s, shape));
        double[] peaks = new double[runs];
        long[][] times = new long[specs.size()][runs];
        long[][] cpu = new long[specs.size()][runs];
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (Problems p = Problems.random(shape, 7); Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike()) {
            AttentionContext ctx = AttentionContext.standalone();
            for (AttentionSession s : sessions) {
                long warmEnd = System.nanoTime() + 3_000_000_000L;
                int w = 0;
                do {
                    s.forward(p.q(), p.k(), p.v(), ctx, out, lse);
                } while (++w < 3 || System.nanoTime() < warmEnd);
            }
            FmaPeak.measure(50_000_000L);
            for (int r = 0; r < runs; r++) {
                peaks[r] = FmaPeak.measure(50_000_000L);
                for (int i = 0; i < sessions.size(); i++) {
                    long c0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    sessions.get(i).forward(p.q(), p.k(), p.v(), ctx, out, lse);
                    times[i][r] = System.nanoTime() - t0;
                    cpu[i][r] = os.getProcessCpuTime() - c0;
                }
            }
        }
        double base = median(times[0]);
        double cpuBase = median(cpu[0]);
        double[] sortedPeaks = peaks.clone();
        Arrays.sort(sortedPeaks);
        double peak = sortedPeaks[runs / 2];
        System.out.printf("seqLen %d headDim %d heads %d runs %d, threads %d, FMA peak (interleaved, median) %.1f GFLOP/s%n",
                seqLen, headDim, heads, runs, Parallel.threads(), peak);
        for (int i = 0; i < specs.size(); i++) {
            double t = median(times[i]);
            double c = median(cpu[i]);
            System.out.printf("%-28s median %8.2f ms  %7.1f dense-GFLOP/s (%4.1f%% of FMA peak)  speedup vs first %.2f"
                            + "  | CPU-time based: %7.1f GFLOP/s at %d threads, speedup %.2f | executed density %.4f, %.1f"
                            + " GFLOP/s over executed pairs%n",
                    specs.get(i), t / 1e6, flops / t, 100 * flops / t / peak, base / t,
                    flops / c * Parallel.threads(), Parallel.threads(), cpuBase / c,
                    sessions.get(i).executedDensity(), flops * sessions.get(i).executedDensity() / t);
        }
        for (AttentionSession s : sessions) s.close();
    }

    private static AttentionSession session(String spec, AttentionShape shape) {
        if (spec.startsWith("band=")) {
            // A diagonal band at token level: most visited tiles are partly covered, so the bit-mask path dominates.
            int width = Integer.parseInt(spec.substring("band=".length()));
            BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(shape.seqLen(), 128, 128, 1,
                    (q, k) -> Math.abs(q - k) <= width);
            return BlockSparseKernel.session(shape, plan);
        }
        return kernel(spec).prepare(shape);
    }

    private static AttentionKernel kernel(String spec) {
        if (spec.equals("dense")) return new DenseKernel();
        if (spec.startsWith("blocksparse:keep=")) {
            double keep = Double.parseDouble(spec.substring("blocksparse:keep=".length()));
            return new BlockSparseKernel(new BlockSparseSpec(keep, 1, BlockSparseSpec.DEFAULT_TILE));
        }
        throw new IllegalArgumentException("unknown spec " + spec);
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
