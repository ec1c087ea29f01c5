package io.tilewise.attention.perf;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.metrics.PhaseTimes;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Problems;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A/B speed probe of whole methods in one JVM (not a test: run by hand), for before/after numbers on a loaded
 * machine. Variant A is each method as compiled into {@code baseClasses} (a jar or class folder of an older
 * attention-ops), loaded child-first for the kernel packages while api, spec and tensor stay shared; variant B is the
 * method on the class path. Every round calls each method's A and B back to back (order alternating by round), so
 * load from other processes falls on both alike; the per-round ratio B/A is the figure to read. "of ideal" is
 * median dense time / median method time × executed density, per variant, when {@code dense} is listed first.
 *
 * <p>Usage: {@code MethodAbProbe baseClasses F,H,W heads headDim rounds spec;spec;…}.
 */
public final class MethodAbProbe {

    private static final List<String> KERNEL_PACKAGES = List.of("io.tilewise.attention.cpu.", "io.tilewise.attention.blocksparse.",
            "io.tilewise.attention.dense.", "io.tilewise.attention.piecewise.", "io.tilewise.attention.neighborhood.",
            "io.tilewise.attention.radial.");
    private static final String[] PROVIDERS = {"io.tilewise.attention.dense.DenseProvider",
            "io.tilewise.attention.blocksparse.BlockSparseProvider", "io.tilewise.attention.piecewise.PisaProvider",
            "io.tilewise.attention.neighborhood.GnaProvider", "io.tilewise.attention.radial.RadialProvider"};

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        int[] g = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        int heads = Integer.parseInt(args[2]);
        int headDim = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        String[] specs = args[5].split(";");
        AttentionShape shape = new AttentionShape(1, heads, headDim, TokenLayout.video(new TokenGrid(g[0], g[1], g[2])));
        ClassLoader loader = new KernelFirstLoader(base, KERNEL_PACKAGES, MethodAbProbe.class.getClassLoader());
        int m = specs.length;
        AttentionSession[][] sessions = new AttentionSession[m][2];
        for (int i = 0; i < m; i++) {
            MethodSpec spec = MethodSpec.parse(specs[i]);
            sessions[i][0] = baseProvider(loader, spec.name()).create(spec).prepare(shape);
            sessions[i][1] = AttentionMethods.create(spec).prepare(shape);
        }
        double[][][] ms = new double[m][2][rounds];
        try (Problems p = Problems.random(shape, 7); Tensor out = p.q().zerosLike()) {
            AttentionContext ctx = AttentionContext.standalone();
            for (AttentionSession[] pair : sessions) {
                for (AttentionSession s : pair) s.forward(p.q(), p.k(), p.v(), ctx, out);
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < m; i++) {
                    for (int k = 0; k < 2; k++) {
                        int v = (r & 1) == 0 ? k : 1 - k;
                        long t0 = System.nanoTime();
                        sessions[i][v].forward(p.q(), p.k(), p.v(), ctx, out);
                        ms[i][v][r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "grid %s heads %d headDim %d seqLen %d rounds %d%n", args[1], heads, headDim,
                shape.seqLen(), rounds);
        double[] denseMedian = {median(ms[0][0]), median(ms[0][1])};
        for (int i = 0; i < m; i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ms[i][0][r] / ms[i][1][r];
            double dA = sessions[i][0].executedDensity(), dB = sessions[i][1].executedDensity();
            System.out.printf(Locale.ROOT, "%-50s A(before) %9.1f ms  B(after) %9.1f ms  A/B per round median %.3f "
                            + "(min %.3f max %.3f)  density %.3f/%.3f  of ideal A %.0f %% B %.0f %%%n",
                    specs[i], median(ms[i][0]), median(ms[i][1]), median(ratio), min(ratio), max(ratio), dA, dB,
                    100 * denseMedian[0] / median(ms[i][0]) * dA, 100 * denseMedian[1] / median(ms[i][1]) * dB);
            if (sessions[i][1] instanceof PhaseTimes t) {
                StringBuilder line = new StringBuilder("  B phases of its last call (ms):");
                t.lastPhaseNanos().forEach((phase, nanos) -> line.append(String.format(Locale.ROOT, " %s %.1f", phase, nanos / 1e6)));
                System.out.println(line);
            }
        }
        for (AttentionSession[] pair : sessions) {
            for (AttentionSession s : pair) s.close();
        }
    }

    private static AttentionMethodProvider baseProvider(ClassLoader loader, String id) throws Exception {
        for (String name : PROVIDERS) {
            AttentionMethodProvider p = (AttentionMethodProvider) loader.loadClass(name).getConstructor().newInstance();
            if (p.id().equals(id)) return p;
        }
        throw new IllegalArgumentException("no base provider for " + id);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElseThrow();
    }
}
