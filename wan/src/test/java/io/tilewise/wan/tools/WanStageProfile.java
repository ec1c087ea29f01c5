package io.tilewise.wan.tools;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.OrtBuffers;
import io.tilewise.wan.transformer.WanCheckpoint;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanStageGraphs;
import io.tilewise.wan.weights.DiffusersFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Developer tool: times block 0's pre- and post-attention stage graphs of a Wan transformer alone. {@code dump} writes
 * them ({@code pre.onnx}, {@code post.onnx}) as the {@link WanStageGraphs} on the class path builds them, so graphs of
 * two builds can be compared; {@code time} runs each given graph folder in interleaved rounds (load changes hit all
 * alike) with the session options of {@code WanSessions} (intra-op threads, no spinning, no arena, ALL_OPT) unless a
 * property changes one, and prints each stage's median seconds and GFLOP/s from its multiply-adds (norms etc. not
 * counted), with output checksums; {@code -Dprofile=DIR} adds ORT's per-operator time summed by operator type (from
 * separate profiled runs). Inputs are seeded random.
 *
 * <pre>java … io.tilewise.wan.tools.WanStageProfile dump MODEL_DIR OUT_DIR [token_chunks]
 * java … io.tilewise.wan.tools.WanStageProfile time MODEL_DIR TOKENS TEXT_TOKENS ROUNDS THREADS GRAPH_DIR…
 *   [-Dprofile=DIR [-Dnodes=true]] [-Dspin=1] [-Dprepack=0] [-Dopt=ALL|EXTENDED|BASIC] [-Doptimized=DIR]</pre>
 */
public final class WanStageProfile {

    private WanStageProfile() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path folder = DiffusersFolder.component(dir, "transformer", WanConfig.CLASS_NAME);
        WanConfig c = WanConfig.read(folder.resolve("config.json"));
        if (args[0].equals("dump")) {
            Path out = Files.createDirectories(Path.of(args[2]));
            try (WanCheckpoint w = WanCheckpoint.of(DiffusersFolder.weights(folder), c)) {
                WanStageGraphs graphs = new WanStageGraphs(w, args.length > 3 ? Integer.parseInt(args[3]) : WanStageGraphs.TOKEN_CHUNKS);
                Files.write(out.resolve("pre.onnx"), graphs.blockPre(0));
                Files.write(out.resolve("post.onnx"), graphs.blockPost(0));
            }
            return;
        }
        int n = Integer.parseInt(args[2]);
        int l = Integer.parseInt(args[3]);
        int repeats = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        List<Path> variants = new ArrayList<>();
        for (int i = 6; i < args.length; i++) variants.add(Path.of(args[i]));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int d = c.dim();
        int heads = c.heads();
        int hd = c.headDim();
        SplittableRandom r = new SplittableRandom(3);
        try (OrtBuffers.Floats x = random(env, r, 1, 1, n, d);
             OrtBuffers.Floats e = random(env, r, 0.1, 1, 6, d);
             OrtBuffers.Floats cos = random(env, r, 1, n, hd / 2);
             OrtBuffers.Floats sin = random(env, r, 1, n, hd / 2);
             OrtBuffers.Floats ck = random(env, r, 1, 1, l, d);
             OrtBuffers.Floats cv = random(env, r, 1, 1, l, d);
             OrtBuffers.Floats attn = random(env, r, 1, 1, heads, n, hd);
             OrtBuffers.Floats q = OrtBuffers.floats(env, 1, heads, n, hd);
             OrtBuffers.Floats k = OrtBuffers.floats(env, 1, heads, n, hd);
             OrtBuffers.Floats v = OrtBuffers.floats(env, 1, heads, n, hd);
             OrtBuffers.Floats xOut = OrtBuffers.floats(env, 1, n, d)) {
            Map<String, OnnxTensor> preIn = Map.of(WanStageGraphs.X, x.tensor(), WanStageGraphs.E, e.tensor(),
                    WanStageGraphs.ROPE_COS, cos.tensor(), WanStageGraphs.ROPE_SIN, sin.tensor());
            Map<String, OnnxTensor> preOut = Map.of(WanStageGraphs.Q, q.tensor(), WanStageGraphs.K, k.tensor(), WanStageGraphs.V, v.tensor());
            Map<String, OnnxTensor> postIn = Map.of(WanStageGraphs.X, x.tensor(), WanStageGraphs.ATTN, attn.tensor(),
                    WanStageGraphs.E, e.tensor(), WanStageGraphs.CK, ck.tensor(), WanStageGraphs.CV, cv.tensor());
            Map<String, OnnxTensor> postOut = Map.of(WanStageGraphs.X_OUT, xOut.tensor());
            double preFlops = WanSpeedRun.blockPreFlops(c, n);
            double postFlops = WanSpeedRun.blockPostFlops(c, n, l);
            System.out.printf(Locale.ROOT, "tokens=%d text=%d threads=%d pre_gflop=%.1f post_gflop=%.1f%n", n, l, threads,
                    preFlops / 1e9, postFlops / 1e9);
            int m = variants.size();
            double[][] tPre = new double[m][repeats];
            double[][] tPost = new double[m][repeats];
            double[][] cPre = new double[m][repeats];
            double[][] cPost = new double[m][repeats];
            OrtSession[] preS = new OrtSession[m];
            OrtSession[] postS = new OrtSession[m];
            try {
                for (int i = 0; i < m; i++) {
                    preS[i] = session(env, Files.readAllBytes(variants.get(i).resolve("pre.onnx")), threads, null, i + "_pre");
                    postS[i] = session(env, Files.readAllBytes(variants.get(i).resolve("post.onnx")), threads, null, i + "_post");
                    ModelSessions.run(preS[i], preIn, preOut, "warm-up");
                    ModelSessions.run(postS[i], postIn, postOut, "warm-up");
                }
                // interleaved rounds: each variant once per round, so load changes hit all alike
                for (int rep = 0; rep < repeats; rep++) {
                    for (int i = 0; i < m; i++) {
                        double c0 = cpu();
                        tPre[i][rep] = time(preS[i], preIn, preOut);
                        double c1 = cpu();
                        tPost[i][rep] = time(postS[i], postIn, postOut);
                        cPre[i][rep] = c1 - c0;
                        cPost[i][rep] = cpu() - c1;
                    }
                }
                for (int i = 0; i < m; i++) {
                    ModelSessions.run(preS[i], preIn, preOut, "check");
                    ModelSessions.run(postS[i], postIn, postOut, "check");
                    double a = median(tPre[i]);
                    double b = median(tPost[i]);
                    double ca = median(cPre[i]);
                    double cb = median(cPost[i]);
                    System.out.printf(Locale.ROOT, "variant=%s pre_s=%.3f pre_gflops=%.1f post_s=%.3f post_gflops=%.1f "
                                    + "block_s=%.3f block_gflops=%.1f pre_cpu_s=%.3f post_cpu_s=%.3f block_cpu_s=%.3f "
                                    + "gflop_per_cpu_s=%.1f rms_q=%.6e rms_k=%.6e rms_v=%.6e rms_x_out=%.6e pre_all=%s post_all=%s "
                                    + "pre_cpu_all=%s post_cpu_all=%s%n",
                            variants.get(i), a, preFlops / a / 1e9, b, postFlops / b / 1e9, a + b, (preFlops + postFlops) / (a + b) / 1e9,
                            ca, cb, ca + cb, (preFlops + postFlops) / (ca + cb) / 1e9,
                            rms(q), rms(k), rms(v), rms(xOut), fmt(tPre[i]), fmt(tPost[i]), fmt(cPre[i]), fmt(cPost[i]));
                }
            } finally {
                for (int i = 0; i < m; i++) {
                    if (preS[i] != null) preS[i].close();
                    if (postS[i] != null) postS[i].close();
                }
            }
            String profile = System.getProperty("profile");
            if (profile != null) {
                for (int i = 0; i < m; i++) {
                    Path p = Files.createDirectories(Path.of(profile, Integer.toString(i)));
                    System.out.println("profile of " + variants.get(i));
                    profiled(env, Files.readAllBytes(variants.get(i).resolve("pre.onnx")), threads, p.resolve("pre"), preIn, preOut);
                    profiled(env, Files.readAllBytes(variants.get(i).resolve("post.onnx")), threads, p.resolve("post"), postIn, postOut);
                }
            }
        }
    }

    /** CPU seconds of the whole process (user + system): on a shared machine, the work a run did, not its waits. */
    private static double cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static String fmt(double[] t) {
        StringBuilder s = new StringBuilder();
        for (double v : t) s.append(s.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.3f", v));
        return s.toString();
    }

    private static void profiled(OrtEnvironment env, byte[] graph, int threads, Path prefix, Map<String, OnnxTensor> in,
                                 Map<String, OnnxTensor> out) throws OrtException, IOException {
        String file;
        try (OrtSession s = session(env, graph, threads, prefix.toString(), prefix.getFileName().toString())) {
            ModelSessions.run(s, in, out, "profiled warm-up");
            ModelSessions.run(s, in, out, "profiled run");
            file = s.endProfiling();
        }
        Map<String, long[]> byType = new TreeMap<>();
        Map<String, Long> byNode = new TreeMap<>();
        JsonNode events = new ObjectMapper().readTree(Path.of(file).toFile());
        long counted = 0;
        for (JsonNode ev : events) if ("model_run".equals(ev.path("name").asText())) counted++;
        long runs = counted;
        for (JsonNode ev : events) {
            if (!"Node".equals(ev.path("cat").asText())) continue;
            String name = ev.path("name").asText();
            if (!name.endsWith("_kernel_time")) continue;
            String op = ev.path("args").path("op_name").asText();
            long us = ev.path("dur").asLong();
            long[] acc = byType.computeIfAbsent(op, key -> new long[2]);
            acc[0] += us;
            acc[1]++;
            byNode.merge(name.replace("_kernel_time", "") + " (" + op + ")", us, Long::sum);
        }
        long total = byType.values().stream().mapToLong(a -> a[0]).sum();
        System.out.printf(Locale.ROOT, "profile %s: %d runs, node time %.3f s per run%n", prefix.getFileName(), runs, total / 1e6 / runs);
        byType.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).forEach(en ->
                System.out.printf(Locale.ROOT, "  %-34s %8.3f s  %5.1f %%  nodes/run %d%n", en.getKey(),
                        en.getValue()[0] / 1e6 / runs, 100.0 * en.getValue()[0] / total, en.getValue()[1] / runs));
        if (Boolean.getBoolean("nodes")) {
            byNode.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(40).forEach(en ->
                    System.out.printf(Locale.ROOT, "    %-50s %8.3f s%n", en.getKey(), en.getValue() / 1e6 / runs));
        }
    }

    private static OrtSession session(OrtEnvironment env, byte[] graph, int threads, String profile, String name) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(switch (System.getProperty("opt", "ALL")) {
                case "BASIC" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case "EXTENDED" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                default -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            o.addConfigEntry("session.intra_op.allow_spinning", System.getProperty("spin", "0"));
            if ("0".equals(System.getProperty("prepack"))) o.addConfigEntry("session.disable_prepacking", "1");
            o.setCPUArenaAllocator(Boolean.getBoolean("arena"));
            if (profile != null) o.enableProfiling(profile);
            String optimized = System.getProperty("optimized");
            if (optimized != null) o.setOptimizedModelFilePath(Path.of(optimized, name + ".onnx").toString());
            return env.createSession(graph, o);
        }
    }

    private static double time(OrtSession s, Map<String, OnnxTensor> in, Map<String, OnnxTensor> out) {
        long t0 = System.nanoTime();
        ModelSessions.run(s, in, out, "timed run");
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double rms(OrtBuffers.Floats f) {
        double s = 0;
        for (int i = 0; i < f.buffer().capacity(); i++) s += (double) f.buffer().get(i) * f.buffer().get(i);
        return Math.sqrt(s / f.buffer().capacity());
    }

    private static OrtBuffers.Floats random(OrtEnvironment env, SplittableRandom r, double scale, long... shape) {
        OrtBuffers.Floats f = OrtBuffers.floats(env, shape);
        for (int i = 0; i < f.buffer().capacity(); i++) f.buffer().put(i, (float) (scale * (2 * r.nextDouble() - 1)));
        return f;
    }
}
