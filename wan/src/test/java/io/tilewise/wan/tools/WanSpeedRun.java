package io.tilewise.wan.tools;

import io.tilewise.pipeline.run.AttentionPolicy;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanForward;
import io.tilewise.wan.transformer.WanTransformer;

import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Developer tool: times Wan transformer forwards on one model load, one line per policy (wall time, stages vs
 * attention, the stages' GFLOP/s from their multiply-adds, executed density, speedup over the first policy of the
 * run, after an uncounted small warm-up forward). A policy with a {@code cache(…)} method runs as steps 0 and 1 of a 2-step run and both are reported (step 0
 * fills the cache, step 1 reuses it). Inputs are seeded random.
 *
 * <pre>java [-Dprecision=int8] … io.tilewise.wan.tools.WanSpeedRun MODEL_DIR F,H,W POLICY[|POLICY…] [threads] [text_tokens=512]</pre>
 */
public final class WanSpeedRun {

    private WanSpeedRun() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        String[] fhw = args[1].split(",");
        int frames = Integer.parseInt(fhw[0]);
        int height = Integer.parseInt(fhw[1]);
        int width = Integer.parseInt(fhw[2]);
        String[] policies = args[2].split("\\|");
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        int textTokens = args.length > 4 ? Integer.parseInt(args[4]) : 512;
        long t0 = System.nanoTime();
        // -Dprecision=int8: the blocks' weight products as 8-bit MatMulNBits (default fp32)
        Pipeline.Options options = new Pipeline.Options(threads, null)
                .withPrecision(io.tilewise.pipeline.onnx.StagePrecision.parse(System.getProperty("precision", "fp32")));
        try (WanTransformer transformer = WanTransformer.open(model, options)) {
            WanConfig c = transformer.config();
            System.out.printf(Locale.ROOT, "load: %.1f s (%s layout, %d layers, dim %d, ffn %d), heap used %.2f GB%n",
                    (System.nanoTime() - t0) / 1e9, transformer.layout(), c.layers(), c.dim(), c.ffnDim(), heapGb());
            int[] shape = {1, c.inChannels(), frames, height, width};
            SplittableRandom random = new SplittableRandom(7);
            float[] latents = new float[c.inChannels() * frames * height * width];
            for (int i = 0; i < latents.length; i++) latents[i] = (float) gaussian(random);
            float[] text = new float[textTokens * c.textDim()];
            for (int i = 0; i < text.length; i++) text[i] = (float) (0.1 * gaussian(random));
            // warm-up: one small dense forward first (JIT, ORT's first-run allocations), not counted
            long w0 = System.nanoTime();
            int[] small = {1, c.inChannels(), c.patch()[0], 8 * c.patch()[1], 8 * c.patch()[2]};
            transformer.forward(new float[c.inChannels() * small[2] * small[3] * small[4]], small, 500f, text, textTokens,
                    transformer.policy("dense"));
            System.out.printf(Locale.ROOT, "warm-up forward (64 tokens): %.1f s%n", (System.nanoTime() - w0) / 1e9);
            int tokens = (frames / c.patch()[0]) * (height / c.patch()[1]) * (width / c.patch()[2]);
            double stageFlops = stageFlops(c, tokens, textTokens);
            double baseline = Double.NaN;
            for (String text1 : policies) {
                AttentionPolicy policy = transformer.policy(text1);
                transformer.resetAttentionState();
                boolean cached = text1.contains("cache(");
                int steps = cached ? 2 : 1;
                for (int step = 0; step < steps; step++) {
                    long start = System.nanoTime();
                    WanForward out = transformer.forward(latents, shape, 500f, text, textTokens, policy, step, steps);
                    double wall = (System.nanoTime() - start) / 1e9;
                    if (Double.isNaN(baseline)) baseline = wall;
                    double density = out.calls().stream().mapToDouble(a -> a.executedDensity()).average().orElse(1);
                    System.out.printf(Locale.ROOT,
                            "policy=%s step=%d/%d tokens=%d forward_s=%.2f stages_s=%.2f attention_s=%.2f setup_s=%.2f "
                                    + "attention_share=%.2f stage_gflops=%.1f executed_density=%.3f speedup_vs_first=%.2f "
                                    + "checksum=%.6e heap_gb=%.2f%n",
                            text1, step, steps, tokens, wall, out.stageNanos() / 1e9, out.attentionNanos() / 1e9,
                            out.prepareNanos() / 1e9, out.attentionNanos() / (double) (out.stageNanos() + out.attentionNanos()),
                            stageFlops / out.stageNanos(), density, baseline / wall, checksum(out.velocity()), heapGb());
                }
            }
        }
    }

    /** Multiply-adds ×2 of the ORT stages (linear layers, cross-attention, embedders, head); norms etc. ignored. */
    static double stageFlops(WanConfig c, long n, long l) {
        double d = c.dim();
        double outside = 2.0 * n * c.patchIn() * d + 2.0 * n * d * c.patchOut() + 2.0 * l * (c.textDim() * d + d * d);
        double textKeysValues = 2.0 * l * 2 * d * d;   // the text stage, once per workspace (one forward here)
        return c.layers() * (blockPreFlops(c, n) + blockPostFlops(c, n, l) + textKeysValues) + outside;
    }

    /** A block's pre stage: the self-attention q, k, v projections of {@code n} tokens. */
    static double blockPreFlops(WanConfig c, long n) {
        double d = c.dim();
        return 2.0 * n * 3 * d * d;
    }

    /** A block's post stage: self-attention out, cross-attention q/out, scores and values, FFN. */
    static double blockPostFlops(WanConfig c, long n, long l) {
        double d = c.dim();
        return 2.0 * n * d * d                       // self-attention out
                + 2.0 * n * 2 * d * d                // cross-attention q, out
                + 2.0 * 2 * n * l * d                // cross-attention scores and values
                + 2.0 * n * 2 * d * c.ffnDim();      // FFN
    }

    private static double checksum(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s / v.length);
    }

    private static double heapGb() {
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / 1e9;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = Math.max(r.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
