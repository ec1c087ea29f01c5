package io.tilewise.pipeline.tools;

import io.tilewise.pipeline.onnx.StagePrecision;
import io.tilewise.pipeline.quality.VideoQuality;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Developer tool: the same prompts and seeds through a model at fp32 and at int8 block products, one line per clip
 * (PSNR mean and worst frame, SSIM, wall seconds of each) and the means. Both pipelines stay open; runs alternate.
 *
 * <pre>java … io.tilewise.pipeline.tools.PrecisionQuality MODEL_DIR STEPS SEEDS PROMPT…</pre>
 */
public final class PrecisionQuality {

    private PrecisionQuality() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        int seeds = Integer.parseInt(args[2]);
        String[] prompts = Arrays.copyOfRange(args, 3, args.length);
        Pipeline.Options base = Pipeline.Options.defaults();
        try (Pipeline fp32 = Pipeline.open(dir, base); Pipeline int8 = Pipeline.open(dir, base.withPrecision(StagePrecision.INT8))) {
            GenerationRequest defaults = GenerationRequest.defaults(fp32.card(), prompts[0]).withSteps(steps);
            fp32.generate(defaults.withSteps(1));   // warm-up, not counted
            int8.generate(defaults.withSteps(1));
            double psnr = 0, worst = Double.POSITIVE_INFINITY, t32 = 0, t8 = 0;
            int n = 0;
            for (String prompt : prompts) {
                for (int seed = 0; seed < seeds; seed++) {
                    GenerationRequest r = GenerationRequest.defaults(fp32.card(), prompt).withSteps(steps).withSeed(seed);
                    GenerationResult a = fp32.generate(r);
                    GenerationResult b = int8.generate(r);
                    VideoQuality q = VideoQuality.of(a.video(), b.video());
                    double mean = Arrays.stream(q.psnr()).average().orElseThrow();
                    double min = Arrays.stream(q.psnr()).min().orElseThrow();
                    double ssim = Arrays.stream(q.ssim()).average().orElseThrow();
                    System.out.printf(Locale.ROOT, "%s | seed %d | PSNR %.2f dB (worst frame %.2f) | SSIM %.4f | fp32 %.2f s, int8 %.2f s%n",
                            prompt, seed, mean, min, ssim, a.timings().total() / 1e9, b.timings().total() / 1e9);
                    psnr += mean;
                    worst = Math.min(worst, mean);
                    t32 += a.timings().total() / 1e9;
                    t8 += b.timings().total() / 1e9;
                    n++;
                }
            }
            System.out.printf(Locale.ROOT, "%d clips at %d steps: mean PSNR %.2f dB, worst clip %.2f dB; fp32 %.2f s, int8 %.2f s (%.2fx)%n",
                    n, steps, psnr / n, worst, t32, t8, t32 / t8);
        }
    }
}
