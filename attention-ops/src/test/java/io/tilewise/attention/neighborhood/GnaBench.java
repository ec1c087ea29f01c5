package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: measures GNA against dense in one JVM, variants interleaved (A, B, C, A, B, C, …), and prints the
 * cost model's ideal speedup next to the measured one. Run with the test classpath:
 * {@code java <flags> -cp ... io.tilewise.attention.neighborhood.GnaBench [reps] [grid] [variants...]}.
 * A variant is a spec, optionally followed by {@code @layout} or {@code @qFxqHxqW/kFxkHxkW} to force a tiling.
 */
public final class GnaBench {

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TokenGrid grid = TokenGrid.parse(args.length > 1 ? args[1] : "16x32x32");
        List<String> variants = args.length > 2 ? Arrays.asList(args).subList(2, args.length)
                : List.of("gna:window=8x16x16", "gna:window=8x16x16,stride=4x8x8");
        AttentionShape shape = new AttentionShape(1, 4, 64, TokenLayout.video(grid));
        List<String> names = new ArrayList<>(List.of("dense"));
        List<AttentionKernel> kernels = new ArrayList<>(List.of(new DenseKernel()));
        List<Double> ideal = new ArrayList<>(List.of(1.0));
        for (String v : variants) {
            String[] parts = v.split("@");
            GnaSpec spec = GnaSpec.parse(parts[0]);
            GnaTiling forced = parts.length < 2 ? null : parts[1].equals("layout") ? GnaTiling.layoutOrder(32, 128)
                    : GnaTiling.boxes(box(parts[1].split("/")[0]), box(parts[1].split("/")[1]));
            GnaKernel kernel = new GnaKernel(spec, forced);
            long t0 = System.nanoTime();
            GnaTiledPlan tiled = kernel.tiledPlan(shape);
            long t1 = System.nanoTime();
            GnaPlanner.build(new GnaMask(spec, shape.layout()), tiled.tiling());
            long t2 = System.nanoTime();
            CostEstimate cost = CostEstimate.of(shape, tiled.plan());
            System.out.printf("%s: tiling %s, token density %.4f, executed %.4f, ideal %.2fx, entries %d (masked %d), "
                            + "choose+build %.0f ms, one build %.0f ms%n", v, tiled.tiling(), cost.tokenDensity(),
                    cost.executedDensity(), cost.idealSpeedup(), tiled.plan().exactEntries(), tiled.plan().maskedEntries(),
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6);
            names.add(v);
            kernels.add(kernel);
            ideal.add(cost.idealSpeedup());
        }
        double[][] times = new double[kernels.size()][reps];
        try (Problems p = Problems.random(shape, 1); Tensor out = p.q().zerosLike()) {
            List<AttentionSession> sessions = new ArrayList<>();
            for (AttentionKernel k : kernels) sessions.add(k.prepare(shape));
            for (AttentionSession s : sessions) s.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < sessions.size(); i++) {
                    long t0 = System.nanoTime();
                    sessions.get(i).forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out);
                    times[i][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            sessions.forEach(AttentionSession::close);
        }
        // Speedup per round (dense and method timed back to back), then the median: robust to load drifting.
        for (int i = 0; i < kernels.size(); i++) {
            double[] ratios = new double[reps];
            for (int r = 0; r < reps; r++) ratios[r] = times[0][r] / times[i][r];
            double speedup = median(ratios);
            System.out.printf("%-45s median %8.1f ms  speedup %5.2fx  ideal %5.2fx  (%.0f%% of ideal)  runs %s%n",
                    names.get(i), median(times[i]), speedup, ideal.get(i), 100 * speedup / ideal.get(i),
                    Arrays.toString(Arrays.stream(times[i]).mapToLong(Math::round).toArray()));
        }
    }

    private static int[] box(String text) {
        TokenGrid g = TokenGrid.parse(text);
        return new int[] {g.frames(), g.height(), g.width()};
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
