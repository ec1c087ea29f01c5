package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Problems;

/**
 * Not a test: a manual speed and error check of PISA against the dense kernel, variants interleaved in one JVM.
 * Run from attention-ops after {@code mvn test-compile}:
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * io.tilewise.attention.piecewise.PisaSpeedCheck [seqLen heads headDim reps]}.
 */
public final class PisaSpeedCheck {

    public static void main(String[] args) {
        int seqLen = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        int heads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int headDim = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        AttentionKernel[] kernels = {new DenseKernel(), new PisaKernel(PisaSpec.defaults()),
                new PisaKernel(new PisaSpec(0.15, 64, false, true, true))};
        String[] names = {"dense", "pisa d0.15 b64", "keep-or-drop d0.15 b64"};
        for (String input : new String[] {"random (testkit: q,k std 1.5)", "random N(0,1)", "block-structured"}) {
            try (Problems p = input.startsWith("random (") ? Problems.random(shape, 1)
                    : input.startsWith("random N") ? new Problems(Tensor.randomNormal(1, 1f, 1, heads, seqLen, headDim),
                            Tensor.randomNormal(2, 1f, 1, heads, seqLen, headDim), Tensor.randomNormal(3, 1f, 1, heads, seqLen, headDim))
                    : PisaProblems.clustered(1, heads, seqLen, headDim, 64, 0.5, 1)) {
                Tensor[] outs = new Tensor[kernels.length];
                AttentionSession[] sessions = new AttentionSession[kernels.length];
                double[][] ms = new double[kernels.length][reps];
                for (int i = 0; i < kernels.length; i++) {
                    outs[i] = p.q().zerosLike();
                    sessions[i] = kernels[i].prepare(shape);
                    sessions[i].forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), outs[i]); // warm-up
                }
                for (int r = 0; r < reps; r++) {
                    for (int i = 0; i < kernels.length; i++) {
                        long t0 = System.nanoTime();
                        sessions[i].forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), outs[i]);
                        ms[i][r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                PisaPlanner planner = new PisaPlanner(PisaSpec.defaults());
                double planMs = Double.MAX_VALUE;
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    planner.plan(p.q(), p.k(), p.v(), 0, AttentionContext.standalone().scaleFor(headDim));
                    planMs = Math.min(planMs, (System.nanoTime() - t0) / 1e6);
                }
                System.out.printf("%s inputs, %s, threads %d%n", input, shape, io.tilewise.attention.cpu.Parallel.threads());
                for (int i = 0; i < kernels.length; i++) {
                    double best = java.util.Arrays.stream(ms[i]).min().orElseThrow();
                    System.out.printf("  %-24s best %8.1f ms  all %s  speedup vs dense (best/best) %.2fx  "
                                    + "(per-rep ratios %s)  relL2 vs dense %.4f  executed density %.4f%n",
                            names[i], best, fmt(ms[i]), java.util.Arrays.stream(ms[0]).min().orElseThrow() / best,
                            ratios(ms[0], ms[i]), TensorMetrics.compare(outs[i], outs[0]).relL2(),
                            sessions[i].executedDensity());
                }
                System.out.printf("  pisa pre-pass + plan (best of %d): %.1f ms%n", reps, planMs);
                for (int i = 0; i < kernels.length; i++) {
                    sessions[i].close();
                    outs[i].close();
                }
            }
        }
    }

    private static String fmt(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (double v : values) sb.append(String.format("%.0f ", v));
        return sb.toString().trim() + "]";
    }

    private static String ratios(double[] dense, double[] other) {
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < dense.length; r++) sb.append(String.format("%.2f ", dense[r] / other[r]));
        return sb.toString().trim() + "]";
    }
}
