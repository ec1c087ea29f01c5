package io.tilewise.wan.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.wan.fixtures.WanVaeFixtures;
import io.tilewise.wan.vae.WanVaeConfig;
import io.tilewise.wan.vae.WanVaeDecoder;
import io.tilewise.wan.vae.WanVaeFolder;
import io.tilewise.wan.vae.WanVaeWeights;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Developer tool: times the Wan VAE decoder at real dimensions with random weights.
 *
 * <pre>
 * java … io.tilewise.wan.tools.VaeSpeedRun write MODEL_DIR            (random Wan2.1-size vae/, BF16, ~150 MB)
 * java … io.tilewise.wan.tools.VaeSpeedRun run MODEL_DIR F',H',W' [threads] [profile]
 * </pre>
 *
 * {@code run} builds the decoder for latents {@code [16, F', H', W']}, decodes seeded random latents once and prints
 * the build time, the decode's wall time and process CPU time (on a shared machine the CPU-time rate is the steadier
 * one), its effective GFLOP/s (convolution and attention multiply-adds counted from the config, see
 * {@link #decodeFlops}), the FLOPs actually executed and a checksum. With {@code profile}, every segment's ONNX
 * Runtime profile is summed per op type ({@code Conv} (NCHWc convolutions are named so too), {@code ReorderInput},
 * {@code Concat}, …) and printed, largest first. The profiling constructor is looked up reflectively so that the tool
 * also times an older decoder's classes put first on the class path (without the profile), for before/after runs.
 */
public final class VaeSpeedRun {

    private VaeSpeedRun() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[1]);
        if (args[0].equals("write")) {
            WanVaeFixtures.Spec spec = new WanVaeFixtures.Spec(96, 16, new int[] {1, 2, 4, 4}, 2, new boolean[] {false, true, true});
            long t0 = System.nanoTime();
            Path vae = WanVaeFixtures.write(model, spec, 5, SafetensorsDtype.BF16, SafetensorsDtype.BF16);
            System.out.printf(Locale.ROOT, "wrote %s in %.1f s%n", vae, (System.nanoTime() - t0) / 1e9);
            return;
        }
        String[] fhw = args[2].split(",");
        int frames = Integer.parseInt(fhw[0]);
        int h = Integer.parseInt(fhw[1]);
        int w = Integer.parseInt(fhw[2]);
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        boolean profile = args.length > 4 && args[4].equals("profile");
        WanVaeFolder folder = WanVaeFolder.open(model);
        WanVaeConfig config = folder.config();
        float[] latents = new float[config.zDim() * frames * h * w];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < latents.length; i++) latents[i] = (float) (2 * random.nextDouble() - 1);
        String prefix = profile ? Files.createTempDirectory("vaespeed-profile-").resolve("vae").toString() : null;
        long t0 = System.nanoTime();
        try (WanVaeWeights weights = folder.weights(); WanVaeDecoder decoder = open(config, weights, h, w, threads, prefix)) {
            System.out.printf(Locale.ROOT, "build+load: %.1f s (decoder %s)%n", (System.nanoTime() - t0) / 1e9,
                    WanVaeDecoder.class.getProtectionDomain().getCodeSource().getLocation());
            long cpu0 = processCpuNanos();
            long start = System.nanoTime();
            float[] video = decoder.decode(latents, frames, null);
            double wall = (System.nanoTime() - start) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            double flops = decodeFlops(config, frames, h, w, false);
            double executed = decodeFlops(config, frames, h, w, true);
            System.out.printf(Locale.ROOT, "latents=%d,%d,%d output=%dx%dx%d threads=%d decode_s=%.2f tflop=%.3f gflops=%.1f "
                            + "cpu_s=%.2f gflop_per_cpu_s=%.1f executed_tflop=%.3f checksum=%.9e%n", frames, h, w, config.outputFrames(frames),
                    h * config.spatialScale(), w * config.spatialScale(), threads, wall, flops / 1e12, flops / wall / 1e9,
                    cpu, flops / cpu / 1e9, executed / 1e12, checksum(video));
            if (profile) printProfile(decoder);
        }
    }

    private static WanVaeDecoder open(WanVaeConfig c, WanVaeWeights w, int h, int wd, int threads, String prefix) throws Exception {
        if (prefix == null) return new WanVaeDecoder(c, w, h, wd, threads);
        Constructor<WanVaeDecoder> k = WanVaeDecoder.class.getConstructor(WanVaeConfig.class, WanVaeWeights.class, int.class,
                int.class, int.class, String.class);
        return k.newInstance(c, w, h, wd, threads, prefix);
    }

    /** Sums the kernel time of every node event per op type over all segments' profiles. */
    private static void printProfile(WanVaeDecoder decoder) throws IOException {
        Map<String, Double> byOp = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        List<String> files = decoder.endProfiling();
        double total = 0;
        for (String f : files) {
            for (JsonNode e : json.readTree(Path.of(f).toFile())) {
                if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) continue;
                String op = e.path("args").path("op_name").asText("?");
                double us = e.path("dur").asDouble();
                byOp.merge(op, us, Double::sum);
                counts.merge(op, 1, Integer::sum);
                total += us;
            }
            Files.deleteIfExists(Path.of(f));
        }
        System.out.printf(Locale.ROOT, "profile: %d files, node kernel time %.2f s%n", files.size(), total / 1e6);
        double sum = total;
        byOp.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e ->
                System.out.printf(Locale.ROOT, "  %-22s %9.2f s %5.1f %% (%d runs)%n", e.getKey(), e.getValue() / 1e6,
                        100 * e.getValue() / sum, counts.get(e.getKey())));
    }

    /**
     * Multiply-adds ×2 of a chunked decode: every convolution (causal 3×3×3, time conv 3×1×1, up-sampler 3×3, 1×1
     * shortcuts and post_quant_conv) and the mid-block attention (q·kᵀ, ·v, qkv and projection), per chunk at the frame
     * count that chunk has at each stage (the first chunk: one frame everywhere, its time convolutions skipped).
     * Norms and elementwise work are not counted. With {@code executed}, the first chunk's causal 3×3×3 convolutions
     * count one kernel slice of three (the decoder skips the two that meet its zero caches); without, the work a
     * causal 3-D convolution does, the rate {@code gflops} and {@code gflop_per_cpu_s} are given in.
     */
    static double decodeFlops(WanVaeConfig c, int latentFrames, int latentH, int latentW, boolean executed) {
        double total = 0;
        for (int f = 0; f < latentFrames; f++) {
            int[] dims = c.decoderDims();
            int z = c.zDim();
            double t = 1;
            double px = (double) latentH * latentW;
            double sum = 2 * px * t * z * z;                 // post_quant_conv
            sum += conv3(px * t, z, dims[0], f, executed);                // conv_in
            sum += 4 * conv3(px * t, dims[0], dims[0], f, executed);      // mid resnets (two convs each)
            sum += 2 * t * (px * dims[0] * 4 * dims[0] + 2 * px * px * dims[0]); // qkv+proj, scores+values
            int last = c.upBlocks() - 1;
            for (int i = 0; i <= last; i++) {
                int in = i == 0 ? dims[0] : dims[i] / 2;
                int out = dims[i + 1];
                for (int j = 0; j <= c.numResBlocks(); j++) {
                    int cin = j == 0 ? in : out;
                    sum += conv3(px * t, cin, out, f, executed) + conv3(px * t, out, out, f, executed);
                    if (cin != out) sum += 2 * px * t * cin * out;
                }
                if (i == last) break;
                if (c.temporalUpsample(i) && f > 0) {
                    sum += 2 * px * t * out * 2 * out * 3;
                    t *= 2;
                }
                px *= 4;
                sum += 2 * px * t * out * (out / 2) * 9;
            }
            sum += conv3(px * t, dims[dims.length - 1], c.outChannels(), f, executed);
            total += sum;
        }
        return total;
    }

    private static double conv3(double outputs, int in, int out) {
        return 2 * outputs * in * out * 27;
    }

    /** {@link #conv3} as the decoder executes it in chunk {@code f}. */
    private static double conv3(double outputs, int in, int out, int f, boolean executed) {
        return executed && f == 0 ? conv3(outputs, in, out) / 3 : conv3(outputs, in, out);
    }

    /** CPU time of this process, all threads (ONNX Runtime's included), so busy neighbours show as wall &gt; cpu/threads. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double checksum(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s / v.length);
    }
}
