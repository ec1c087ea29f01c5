package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.blocksparse.BlockSparseMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Manual speed probe (not a test; no timed assertions): the loop and tiled kernel families, dense and a 25 %
 * block-sparse plan, against our CPU dense, called in interleaved rounds on one shape. Prints medians, ratios and
 * effective GFLOP/s over executed pairs. Run with TornadoVM's JVM flags, e.g.
 * {@code java @$TORNADOVM_HOME/tornado-argfile --add-modules jdk.incubator.vector -cp … TornadoSpeedProbe 4096 2 64 5}.
 */
public final class TornadoSpeedProbe {

    private TornadoSpeedProbe() {
    }

    public static void main(String[] args) {
        int seqLen = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int heads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int headDim = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        AttentionShape shape = AttentionShape.of(1, heads, seqLen, headDim);
        BlockSparsePlan sparse = BlockSparseMask.random(seqLen, 128, heads, 0.25, 1);
        Map<String, AttentionSession> sessions = new LinkedHashMap<>();
        Map<String, Double> density = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        sessions.put("cpu dense", new DenseKernel().prepare(shape));
        density.put("cpu dense", 1.0);
        for (AttentionGraph.Variant v : AttentionGraph.Variant.values()) {
            long start = System.nanoTime();
            sessions.put(v + " dense", TornadoPlanSession.dense(shape, v));
            System.out.printf(Locale.ROOT, "prepared %s dense in %.0f ms (graph build + JIT)%n", v, (System.nanoTime() - start) / 1e6);
            density.put(v + " dense", 1.0);
            sessions.put(v + " blocksparse 0.25", TornadoPlanSession.of(shape, sparse, null, null, v));
            density.put(v + " blocksparse 0.25", sparse.executedDensity());
        }
        System.out.printf(Locale.ROOT, "all prepared in %.0f ms; device %s%n", (System.nanoTime() - t0) / 1e6,
                TornadoDevices.describe(TornadoDevices.selected()));
        Map<String, double[]> times = new LinkedHashMap<>();
        sessions.keySet().forEach(k -> times.put(k, new double[rounds]));
        try (Tensor q = Tensor.randomNormal(1, 1.5f, 1, heads, seqLen, headDim);
             Tensor k = Tensor.randomNormal(2, 1.5f, 1, heads, seqLen, headDim);
             Tensor v = Tensor.randomNormal(3, 1f, 1, heads, seqLen, headDim);
             Tensor out = q.zerosLike()) {
            for (AttentionSession s : sessions.values()) s.forward(q, k, v, AttentionContext.standalone(), out);
            for (int r = 0; r < rounds; r++) {
                for (var e : sessions.entrySet()) {
                    long start = System.nanoTime();
                    e.getValue().forward(q, k, v, AttentionContext.standalone(), out);
                    times.get(e.getKey())[r] = (System.nanoTime() - start) / 1e6;
                }
            }
        }
        double cpuDense = median(times.get("cpu dense"));
        System.out.printf(Locale.ROOT, "%-24s %10s %10s %12s%n", "kernel", "median ms", "vs cpu", "GFLOP/s");
        for (String key : sessions.keySet()) {
            double ms = median(times.get(key));
            double gflops = shape.denseFlops() * density.get(key) / (ms * 1e6);
            System.out.printf(Locale.ROOT, "%-24s %10.1f %9.2fx %12.1f%n", key, ms, cpuDense / ms, gflops);
        }
        sessions.values().forEach(AttentionSession::close);
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
