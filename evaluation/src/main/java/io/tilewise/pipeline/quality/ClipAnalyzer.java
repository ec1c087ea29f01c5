package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.Video;

import java.util.Arrays;

/**
 * Reads a generated clip back into prompt words from its pixels alone: background (median border color), object
 * color (mean of the pixels that differ clearly from the background), shape (fill of the object's bounding box)
 * and motion direction (centroid displacement from the first to the last frame, ignored under a pixel).
 */
public final class ClipAnalyzer {

    /** Sum of |channel difference| (RGB in [0, 1]) above which a pixel belongs to the object. */
    private static final double OBJECT_THRESHOLD = 0.3;
    /** Centroid displacement in pixels below which a clip counts as not moving. */
    private static final double MIN_MOTION = 1.0;

    private ClipAnalyzer() {
    }

    public static ClipReading read(Video video) {
        int frames = video.frames(), height = video.height(), width = video.width();
        float[] background = borderMedian(video);
        double[] colorSum = new double[3];
        long objectPixels = 0;
        double fillSum = 0;
        int framesWithObject = 0;
        double[][] centroid = new double[frames][];
        for (int f = 0; f < frames; f++) {
            double sx = 0, sy = 0;
            int n = 0, minX = width, maxX = -1, minY = height, maxY = -1;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double d = 0;
                    for (int c = 0; c < 3; c++) d += Math.abs(video.get(f, y, x, c) - background[c]);
                    if (d <= OBJECT_THRESHOLD) continue;
                    for (int c = 0; c < 3; c++) colorSum[c] += video.get(f, y, x, c);
                    sx += x;
                    sy += y;
                    n++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
            objectPixels += n;
            if (n > 0) {
                centroid[f] = new double[] {sx / n, sy / n};
                fillSum += n / (double) ((maxX - minX + 1) * (maxY - minY + 1));
                framesWithObject++;
            }
        }
        String bg = Palette.nearest(background, Palette.BACKGROUNDS);
        String color = null;
        if (objectPixels > 0) {
            float[] mean = new float[3];
            for (int c = 0; c < 3; c++) mean[c] = (float) (colorSum[c] / objectPixels);
            color = Palette.nearest(mean, Palette.COLORS);
        }
        double fill = framesWithObject == 0 ? 0 : fillSum / framesWithObject;
        String shape = framesWithObject == 0 ? null : fill > 0.9 ? "square" : fill > 0.64 ? "circle" : "triangle";
        return new ClipReading(bg, color, shape, direction(centroid), objectPixels / (double) (frames * height * width), fill);
    }

    private static String direction(double[][] centroid) {
        int first = -1, last = -1;
        for (int f = 0; f < centroid.length; f++) {
            if (centroid[f] == null) continue;
            if (first < 0) first = f;
            last = f;
        }
        if (first < 0 || last == first) return null;
        double dx = centroid[last][0] - centroid[first][0];
        double dy = centroid[last][1] - centroid[first][1];
        if (Math.max(Math.abs(dx), Math.abs(dy)) < MIN_MOTION) return null;
        return Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? "right" : "left") : (dy > 0 ? "down" : "up");
    }

    private static float[] borderMedian(Video video) {
        int frames = video.frames(), height = video.height(), width = video.width();
        float[] result = new float[3];
        float[] border = new float[frames * 2 * (height + width)];
        for (int c = 0; c < 3; c++) {
            int n = 0;
            for (int f = 0; f < frames; f++) {
                for (int i = 0; i < width; i++) {
                    border[n++] = video.get(f, 0, i, c);
                    border[n++] = video.get(f, height - 1, i, c);
                }
                for (int i = 0; i < height; i++) {
                    border[n++] = video.get(f, i, 0, c);
                    border[n++] = video.get(f, i, width - 1, c);
                }
            }
            Arrays.sort(border, 0, n);
            result[c] = border[n / 2];
        }
        return result;
    }
}
