package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PSNR and SSIM (OpenCV) against closed forms and a direct scalar implementation of Wang et al. 2004. */
class FrameMetricsTest {

    private static final int H = 24, W = 20;

    @Test
    void psnrOfAConstantOffsetIsTheClosedForm() {
        byte[] a = constant(100), b = constant(110);
        assertEquals(10 * Math.log10(255.0 * 255.0 / 100.0), FrameMetrics.psnr(a, b, H, W), 1e-9);
        // Offset on one channel only: MSE = 10² / 3.
        byte[] c = a.clone();
        for (int i = 0; i < c.length; i += 3) c[i] = (byte) 110;
        assertEquals(10 * Math.log10(255.0 * 255.0 * 3 / 100.0), FrameMetrics.psnr(a, c, H, W), 1e-9);
    }

    @Test
    void identicalFramesGetTheCap() {
        byte[] a = random(1);
        assertEquals(FrameMetrics.PSNR_CAP, FrameMetrics.psnr(a, a.clone(), H, W));
        assertEquals(1.0, FrameMetrics.ssim(a, a.clone(), H, W), 1e-6);
    }

    @Test
    void ssimOfTwoConstantFramesIsTheLuminanceTerm() {
        // No variance: SSIM = (2ab + C1) / (a² + b² + C1) exactly (the contrast-structure term is C2/C2).
        double c1 = (0.01 * 255) * (0.01 * 255);
        double expected = (2.0 * 100 * 160 + c1) / (100.0 * 100 + 160.0 * 160 + c1);
        assertEquals(expected, FrameMetrics.ssim(constant(100), constant(160), H, W), 1e-5);
    }

    @Test
    void ssimMatchesADirectScalarImplementation() {
        for (long seed = 2; seed < 5; seed++) {
            byte[] a = random(seed);
            byte[] b = a.clone();
            SplittableRandom r = new SplittableRandom(seed + 100);
            for (int i = 0; i < b.length; i++) b[i] = (byte) Math.clamp((a[i] & 0xff) + r.nextInt(-40, 41), 0, 255);
            double expected = ssimReference(a, b);
            double actual = FrameMetrics.ssim(a, b, H, W);
            assertEquals(expected, actual, 1e-4, "seed " + seed);
            assertTrue(actual < 0.99 && actual > 0, "noisy copy should be similar but not identical: " + actual);
        }
    }

    @Test
    void videoQualityIsPerFrameWithMeanAndMin() {
        float[] rgb = new float[3 * H * W * 3];
        Arrays.fill(rgb, 0.5f);
        Video reference = new Video(3, H, W, rgb);
        float[] other = rgb.clone();
        // Frame 1 differs by 10/255 everywhere, frame 2 by 20/255.
        for (int i = H * W * 3; i < 2 * H * W * 3; i++) other[i] += 10f / 255;
        for (int i = 2 * H * W * 3; i < other.length; i++) other[i] += 20f / 255;
        VideoQuality q = VideoQuality.of(reference, new Video(3, H, W, other));
        double[] psnr = q.psnr();
        assertEquals(FrameMetrics.PSNR_CAP, psnr[0]);
        assertEquals(10 * Math.log10(255.0 * 255.0 / 100), psnr[1], 0.5, "8-bit rounding moves it a little");
        assertEquals(10 * Math.log10(255.0 * 255.0 / 400), psnr[2], 0.5);
        assertEquals(psnr[2], q.minPsnr());
        assertEquals((psnr[0] + psnr[1] + psnr[2]) / 3, q.meanPsnr(), 1e-12);
        assertEquals(1.0, q.ssim()[0], 1e-6);
        // Latent = 2·rgb − 1: reference 0 everywhere, so the relative error falls back to the absolute norm.
        double expectedLatent = Math.sqrt(H * W * 3 * (Math.pow(2 * 10.0 / 255, 2) + Math.pow(2 * 20.0 / 255, 2)));
        assertEquals(expectedLatent, q.latentRelativeError(), 1e-3);
        assertArrayEquals(psnr, q.psnr());
        assertThrows(IllegalArgumentException.class, () -> VideoQuality.of(reference, new Video(1, H, W, new float[H * W * 3])));
    }

    @Test
    void wrongSizesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FrameMetrics.psnr(new byte[3], new byte[3], H, W));
        assertTrue(e.getMessage().contains("expected 24x20x3"), e.getMessage());
    }

    private static byte[] constant(int value) {
        byte[] b = new byte[H * W * 3];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[H * W * 3];
        // Smooth-ish content: a gradient plus noise, like frames rather than white noise.
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int c = 0; c < 3; c++) b[(y * W + x) * 3 + c] = (byte) Math.clamp(40 + 6 * x + 4 * y + 30 * c + r.nextInt(-20, 21), 0, 255);
            }
        }
        return b;
    }

    /** SSIM per channel with an 11×11 Gaussian (σ 1.5, reflect-101 borders) in plain doubles, channel mean. */
    private static double ssimReference(byte[] a, byte[] b) {
        double c1 = Math.pow(0.01 * 255, 2), c2 = Math.pow(0.03 * 255, 2);
        double total = 0;
        for (int c = 0; c < 3; c++) {
            double[] x = channel(a, c), y = channel(b, c);
            double[] mx = blur(x), my = blur(y);
            double[] xx = blur(mul(x, x)), yy = blur(mul(y, y)), xy = blur(mul(x, y));
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                double sx = xx[i] - mx[i] * mx[i], sy = yy[i] - my[i] * my[i], sxy = xy[i] - mx[i] * my[i];
                sum += (2 * mx[i] * my[i] + c1) * (2 * sxy + c2) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (sx + sy + c2));
            }
            total += sum / x.length;
        }
        return total / 3;
    }

    private static double[] channel(byte[] rgb, int c) {
        double[] out = new double[H * W];
        for (int i = 0; i < out.length; i++) out[i] = rgb[i * 3 + c] & 0xff;
        return out;
    }

    private static double[] mul(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * b[i];
        return out;
    }

    private static double[] blur(double[] img) {
        double[] g = new double[11];
        double s = 0;
        for (int i = 0; i < 11; i++) s += g[i] = Math.exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
        for (int i = 0; i < 11; i++) g[i] /= s;
        double[] rows = new double[img.length], out = new double[img.length];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double v = 0;
                for (int i = 0; i < 11; i++) v += g[i] * img[y * W + reflect101(x + i - 5, W)];
                rows[y * W + x] = v;
            }
        }
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                double v = 0;
                for (int i = 0; i < 11; i++) v += g[i] * rows[reflect101(y + i - 5, H) * W + x];
                out[y * W + x] = v;
            }
        }
        return out;
    }

    private static int reflect101(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * n - 2 - i;
        return i;
    }
}
