package io.tilewise.pipeline.quality;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.NORM_L2SQR;
import static org.bytedeco.opencv.global.opencv_core.add;
import static org.bytedeco.opencv.global.opencv_core.divide;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_core.multiply;
import static org.bytedeco.opencv.global.opencv_core.norm;
import static org.bytedeco.opencv.global.opencv_core.subtract;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;

/**
 * PSNR and SSIM of two 8-bit RGB frames, computed with OpenCV (JavaCPP presets).
 *
 * <p>PSNR = 10·log10(255² / MSE) over all pixels and channels, capped at {@link #PSNR_CAP} dB (identical frames
 * have MSE 0). SSIM is Wang et al. 2004 as in OpenCV's video-quality tutorial: Gaussian window 11×11, σ = 1.5,
 * C1 = (0.01·255)², C2 = (0.03·255)², in doubles, OpenCV's default border (reflect-101); the mean of the SSIM map per channel,
 * averaged over the three channels.
 */
public final class FrameMetrics {

    /** PSNR reported for identical frames (and the most any frame gets). */
    public static final double PSNR_CAP = 100.0;
    private static final double C1 = (0.01 * 255) * (0.01 * 255);
    private static final double C2 = (0.03 * 255) * (0.03 * 255);

    private FrameMetrics() {
    }

    /** PSNR in dB of {@code test} against {@code reference}: row-major {@code [height][width][3]} bytes. */
    public static double psnr(byte[] reference, byte[] test, int height, int width) {
        check(reference, test, height, width);
        try (PointerScope scope = new PointerScope()) {
            double squared = norm(mat(reference, height, width), mat(test, height, width), NORM_L2SQR, new Mat());
            double mse = squared / ((double) height * width * 3);
            return mse == 0 ? PSNR_CAP : Math.min(PSNR_CAP, 10 * Math.log10(255.0 * 255.0 / mse));
        }
    }

    /** Mean SSIM (in [-1, 1], 1 = identical) of {@code test} against {@code reference}. */
    public static double ssim(byte[] reference, byte[] test, int height, int width) {
        check(reference, test, height, width);
        try (PointerScope scope = new PointerScope()) {
            Mat x = floats(mat(reference, height, width));
            Mat y = floats(mat(test, height, width));
            Mat muX = blur(x), muY = blur(y);
            Mat muX2 = product(muX, muX), muY2 = product(muY, muY), muXY = product(muX, muY);
            Mat sigmaX2 = difference(blur(product(x, x)), muX2);
            Mat sigmaY2 = difference(blur(product(y, y)), muY2);
            Mat sigmaXY = difference(blur(product(x, y)), muXY);
            // ((2 μx μy + C1)(2 σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2))
            Mat numerator = product(affine(muXY, 2, C1), affine(sigmaXY, 2, C2));
            Mat denominator = product(affine(sum(muX2, muY2), 1, C1), affine(sum(sigmaX2, sigmaY2), 1, C2));
            Mat map = new Mat();
            divide(numerator, denominator, map);
            Scalar m = mean(map);
            return (m.get(0) + m.get(1) + m.get(2)) / 3.0;
        }
    }

    private static void check(byte[] a, byte[] b, int height, int width) {
        long expected = (long) height * width * 3;
        if (a.length != expected || b.length != expected) {
            throw new IllegalArgumentException("frames of " + a.length + " and " + b.length + " bytes, expected "
                    + height + "x" + width + "x3 = " + expected);
        }
    }

    private static Mat mat(byte[] rgb, int height, int width) {
        Mat m = new Mat(height, width, CV_8UC3);
        new BytePointer(m.data()).put(rgb, 0, rgb.length);
        return m;
    }

    private static Mat floats(Mat m) {
        Mat f = new Mat();
        m.convertTo(f, CV_64F);
        return f;
    }

    private static Mat blur(Mat m) {
        Mat out = new Mat();
        GaussianBlur(m, out, new Size(11, 11), 1.5);
        return out;
    }

    private static Mat product(Mat a, Mat b) {
        Mat out = new Mat();
        multiply(a, b, out);
        return out;
    }

    private static Mat difference(Mat a, Mat b) {
        Mat out = new Mat();
        subtract(a, b, out);
        return out;
    }

    private static Mat sum(Mat a, Mat b) {
        Mat out = new Mat();
        add(a, b, out);
        return out;
    }

    /** {@code scale·m + offset}, element-wise. */
    private static Mat affine(Mat m, double scale, double offset) {
        Mat out = new Mat();
        m.convertTo(out, -1, scale, offset);
        return out;
    }
}
