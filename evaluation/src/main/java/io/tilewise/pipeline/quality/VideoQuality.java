package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.Video;

import java.util.Arrays;

/**
 * Frame-by-frame quality of a video against a reference of the same size: PSNR (dB) and SSIM per frame
 * ({@link FrameMetrics}, on the 8-bit frames), and the relative L2 error of the final latent. The bundled models
 * sample in pixel space, so the latent is the video before it is mapped to [0, 1]: {@code 2·rgb − 1}, i.e. the
 * model output clipped to [-1, 1].
 */
public record VideoQuality(double[] psnr, double[] ssim, double latentRelativeError) {

    public VideoQuality {
        psnr = psnr.clone();
        ssim = ssim.clone();
    }

    public static VideoQuality of(Video reference, Video test) {
        if (reference.frames() != test.frames() || reference.height() != test.height() || reference.width() != test.width()) {
            throw new IllegalArgumentException("videos differ in size: " + describe(reference) + " vs " + describe(test));
        }
        int frames = reference.frames();
        double[] psnr = new double[frames];
        double[] ssim = new double[frames];
        for (int f = 0; f < frames; f++) {
            byte[] a = reference.frameBytes(f);
            byte[] b = test.frameBytes(f);
            psnr[f] = FrameMetrics.psnr(a, b, reference.height(), reference.width());
            ssim[f] = FrameMetrics.ssim(a, b, reference.height(), reference.width());
        }
        return new VideoQuality(psnr, ssim, latentRelativeError(reference.rgb(), test.rgb()));
    }

    /** ‖x − r‖ / ‖r‖ with x = 2·test − 1 and r = 2·reference − 1 (0 when both are 0). */
    static double latentRelativeError(float[] reference, float[] test) {
        double diff = 0, norm = 0;
        for (int i = 0; i < reference.length; i++) {
            double r = 2.0 * reference[i] - 1.0;
            double d = 2.0 * test[i] - 1.0 - r;
            diff += d * d;
            norm += r * r;
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    public double meanPsnr() {
        return Arrays.stream(psnr).average().orElse(Double.NaN);
    }

    public double minPsnr() {
        return Arrays.stream(psnr).min().orElse(Double.NaN);
    }

    public double meanSsim() {
        return Arrays.stream(ssim).average().orElse(Double.NaN);
    }

    public double minSsim() {
        return Arrays.stream(ssim).min().orElse(Double.NaN);
    }

    @Override
    public double[] psnr() {
        return psnr.clone();
    }

    @Override
    public double[] ssim() {
        return ssim.clone();
    }

    private static String describe(Video v) {
        return v.frames() + " frames of " + v.width() + "x" + v.height();
    }
}
