package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Operator-level PARO measurement (not a test): grid 16×32×32 (seqLen 16384), 4 heads, headDim 64, synthetic q/k
 * that are smooth functions of the grid coordinates (+ noise), each head local along a different axis. Runs dense
 * and paro at fp32 / INT8 / INT4 interleaved in one JVM and prints median times, ratios and relL2 vs dense.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp attention-ops/target/classes:reorder/target/classes:reorder/target/test-classes \
 *     io.tilewise.reorder.ParoBench [frames height width] [rounds] [density] [main-axis logit]</pre>
 */
public final class ParoBench {

    public static void main(String[] args) {
        TokenGrid grid = args.length >= 3 ? new TokenGrid(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]))
                : new TokenGrid(16, 32, 32);
        int rounds = args.length >= 4 ? Integer.parseInt(args[3]) : 5;
        double density = args.length >= 5 ? Double.parseDouble(args[4]) : 0.25;
        double main = args.length >= 6 ? Double.parseDouble(args[5]) : 10;
        TokenLayout layout = TokenLayout.video(grid);
        int heads = 4, headDim = 64;
        AttentionShape shape = new AttentionShape(1, heads, headDim, layout);
        // logit bonus at distance 0 per axis (frames, height, width): local along x, y, t, and in all three
        double[][] weights = {{1, 1, main}, {1, main, 1}, {main, 1, 1}, {main / 2, main / 2, main / 2}};
        String[] specs = {"paro:density=" + density, "paro:density=" + density + ",bits=8", "paro:density=" + density + ",bits=4"};
        System.out.printf("grid %s seqLen %d heads %d headDim %d threads %d, %d rounds, main-axis logit %.1f%n", grid,
                layout.seqLen(), heads, headDim, io.tilewise.attention.cpu.Parallel.threads(), rounds, main);
        AttentionContext ctx = AttentionContext.standalone();
        try (Tensor q = SyntheticQk.smooth(layout, headDim, weights, 0.3, 1);
             Tensor k = SyntheticQk.smooth(layout, headDim, weights, 0.3, 2);
             Tensor v = Tensor.randomNormal(3, 1f, 1, heads, layout.seqLen(), headDim);
             Tensor dense = q.zerosLike();
             AttentionSession denseSession = new DenseKernel().prepare(shape)) {
            List<AttentionSession> sessions = new ArrayList<>();
            List<Tensor> outs = new ArrayList<>();
            for (String spec : specs) {
                sessions.add(AttentionMethods.create(spec).prepare(shape));
                outs.add(q.zerosLike());
            }
            // first calls: JIT warm-up for dense, calibration (+ first run) for paro
            long t0 = System.nanoTime();
            denseSession.forward(q, k, v, ctx, dense);
            System.out.printf("dense first call %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            for (int i = 0; i < specs.length; i++) {
                t0 = System.nanoTime();
                sessions.get(i).forward(q, k, v, ctx, outs.get(i));
                System.out.printf("%s first call (calibration + run) %.0f ms%n", specs[i], (System.nanoTime() - t0) / 1e6);
            }
            ParoKernel probe = (ParoKernel) AttentionMethods.create(specs[0]);
            ParoPlan plan = probe.calibrate(q, k, ctx.scaleFor(headDim), layout);
            for (int h = 0; h < heads; h++) {
                System.out.printf("head %d weights %s → order %s, block density %.4f%n", h, Arrays.toString(weights[h]),
                        plan.order(0, 0, h), plan.mask(0, 0, h).blockDensity());
            }
            List<ParoCalibrator.HeadCalibration> scores = ParoCalibrator.calibrate(q, k, ctx.scaleFor(headDim), layout,
                    ParoCalibrator.Options.defaults());
            // the same mask rule without reordering: what the permutation buys at equal density
            ParoPlan.Builder identity = ParoPlan.builder("bench", layout, 64, 1, 1, heads);
            for (ParoCalibrator.HeadCalibration c : scores) {
                identity.set(0, 0, c.head(), AxisOrder.FHW, ParoMask.select(c.massOf(AxisOrder.FHW), layout, 64, density));
            }
            java.nio.file.Path identityFile;
            try {
                identityFile = java.nio.file.Files.createTempFile("paro-identity", ".plan");
                identityFile.toFile().deleteOnExit();
                ParoPlanFile.write(identity.build(), identityFile);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            String identitySpec = "paro:plan=" + identityFile;
            sessions.add(AttentionMethods.create(identitySpec).prepare(shape));
            outs.add(q.zerosLike());
            specs = Arrays.copyOf(specs, specs.length + 1);
            specs[specs.length - 1] = identitySpec + " (FHW only)";
            for (ParoCalibrator.HeadCalibration c : scores) {
                StringBuilder sb = new StringBuilder("head " + c.head() + " blocks to cover 90%:");
                for (ParoCalibrator.OrderScore s : c.scores()) sb.append(String.format(" %s %.1f", s.order(), s.blocksToCover()));
                System.out.println(sb);
            }
            double[][] times = new double[specs.length + 1][rounds];
            for (int r = 0; r < rounds; r++) {
                t0 = System.nanoTime();
                denseSession.forward(q, k, v, ctx, dense);
                times[0][r] = (System.nanoTime() - t0) / 1e6;
                for (int i = 0; i < specs.length; i++) {
                    t0 = System.nanoTime();
                    sessions.get(i).forward(q, k, v, ctx, outs.get(i));
                    times[i + 1][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            double denseMs = median(times[0]);
            System.out.printf("%-34s median %8.1f ms  runs %s%n", "dense", denseMs, Arrays.toString(round(times[0])));
            for (int i = 0; i < specs.length; i++) {
                double ms = median(times[i + 1]);
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) ratios[r] = times[0][r] / times[i + 1][r];
                System.out.printf("%-34s median %8.1f ms  speedup vs dense (median of per-round ratios) %.2fx  executed density %.4f  relL2 vs dense %.3e  runs %s%n",
                        specs[i], ms, median(ratios), sessions.get(i).executedDensity(),
                        TensorMetrics.compare(outs.get(i), dense).relL2(), Arrays.toString(round(times[i + 1])));
            }
            for (int i = 1; i < specs.length; i++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) ratios[r] = times[i + 1][r] / times[1][r];
                System.out.printf("%s vs fp32 paro: time ratio %.3f, relL2 vs fp32 paro %.3e%n", specs[i], median(ratios),
                        TensorMetrics.compare(outs.get(i), outs.get(0)).relL2());
            }
            quantizationOverhead(q, k, v, plan, rounds);
            for (AttentionSession s : sessions) s.close();
            for (Tensor t : outs) t.close();
        }
    }

    /** Times the per-forward extra passes alone: permuting q, k, v, out back, and INT8 quantize→dequantize of q, k. */
    private static void quantizationOverhead(Tensor q, Tensor k, Tensor v, ParoPlan plan, int rounds) {
        TokenPermutation[] perms = plan.permutations(0, 0);
        int n = q.seqLen(), d = q.headDim();
        float[] rows = new float[n * d];
        double[] permuteMs = new double[rounds], quantMs = new double[rounds];
        try (Tensor scratch = q.zerosLike()) {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                Permute.apply(perms, q, scratch);
                Permute.apply(perms, k, scratch);
                Permute.apply(perms, v, scratch);
                Permute.undo(perms, scratch, scratch);
                permuteMs[r] = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                for (Tensor x : new Tensor[] {q, k}) {
                    for (int h = 0; h < x.heads(); h++) {
                        x.copyHeadTo(0, h, rows, 0);
                        BlockQuantizer.roundTrip(rows, n, d, plan.blockSize(), 8);
                    }
                }
                quantMs[r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        System.out.printf("per-forward extra passes (single-threaded quantization, 2-thread permutes): permute q,k,v + undo out %.1f ms, INT8 quantize q,k %.1f ms (medians)%n",
                median(permuteMs), median(quantMs));
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(x -> Math.round(x)).toArray();
    }
}
