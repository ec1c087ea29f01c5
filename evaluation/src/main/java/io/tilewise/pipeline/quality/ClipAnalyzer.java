package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.Video;

import java.util.Arrays;

/**
 * Reads a generated clip back into prompt words from its pixels alone: background (median border color); the motion
 * direction (displacement of the centroid of all pixels that differ clearly from the background, from the first to
 * the last frame with any, ignored under a pixel: an object that frays into pieces still moves as a whole); and, from
 * the object proper, each frame's largest 8-connected set of such pixels (so stray pixels elsewhere do not stretch
 * its box), its shape (fill of its bounding box) and its color (mean of its core: the pixels that differ from the
 * background at least half as much as its most different one, so edges blended into the background do not pull the
 * mean towards it).
 */
public final class ClipAnalyzer {

    /** Sum of |channel difference| (RGB in [0, 1]) above which a pixel may belong to the object. */
    private static final double OBJECT_THRESHOLD = 0.3;
    /** Share of the object's largest difference from the background above which a pixel is in its core. */
    private static final double CORE_SHARE = 0.5;
    /** Centroid displacement in pixels below which a clip counts as not moving. */
    private static final double MIN_MOTION = 1.0;
    /**
     * Bounding-box fill above which the object is a square, and above which (up to the first) a circle. The shapes'
     * own fills are 1 (square), π/4 ≈ 0.785 (circle) and 0.5 (triangle); the thresholds lie between them, and a
     * circle cut by the frame edge by up to 0.2 radius fills ≈ 0.83 of its box.
     */
    private static final double SQUARE_FILL = 0.9, CIRCLE_FILL = 0.64;

    private ClipAnalyzer() {
    }

    public static ClipReading read(Video video) {
        int frames = video.frames(), height = video.height(), width = video.width();
        float[] background = borderMedian(video);
        double[] colorSum = new double[3];
        long objectPixels = 0, corePixels = 0;
        double fillSum = 0;
        int framesWithObject = 0;
        double[][] centroid = new double[frames][];
        double[] difference = new double[height * width];
        int[] component = new int[height * width];
        int[] best = new int[height * width];
        boolean[] seen = new boolean[height * width];
        for (int f = 0; f < frames; f++) {
            double sx = 0, sy = 0;
            int differing = 0;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double d = 0;
                    for (int c = 0; c < 3; c++) d += Math.abs(video.get(f, y, x, c) - background[c]);
                    difference[y * width + x] = d;
                    if (d <= OBJECT_THRESHOLD) continue;
                    sx += x;
                    sy += y;
                    differing++;
                }
            }
            if (differing == 0) continue;
            objectPixels += differing;
            centroid[f] = new double[] {sx / differing, sy / differing};
            int n = largestComponent(difference, height, width, seen, component, best);
            double maxDifference = 0;
            int minX = width, maxX = -1, minY = height, maxY = -1;
            for (int i = 0; i < n; i++) {
                int x = best[i] % width, y = best[i] / width;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
                maxDifference = Math.max(maxDifference, difference[best[i]]);
            }
            for (int i = 0; i < n; i++) {
                if (difference[best[i]] < CORE_SHARE * maxDifference) continue;
                for (int c = 0; c < 3; c++) colorSum[c] += video.get(f, best[i] / width, best[i] % width, c);
                corePixels++;
            }
            fillSum += n / (double) ((maxX - minX + 1) * (maxY - minY + 1));
            framesWithObject++;
        }
        String bg = Palette.nearest(background, Palette.BACKGROUNDS);
        String color = null;
        if (corePixels > 0) {
            float[] mean = new float[3];
            for (int c = 0; c < 3; c++) mean[c] = (float) (colorSum[c] / corePixels);
            color = Palette.nearest(mean, Palette.COLORS);
        }
        double fill = framesWithObject == 0 ? 0 : fillSum / framesWithObject;
        String shape = framesWithObject == 0 ? null : fill > SQUARE_FILL ? "square" : fill > CIRCLE_FILL ? "circle" : "triangle";
        return new ClipReading(bg, color, shape, direction(centroid), objectPixels / (double) (frames * height * width), fill);
    }

    /**
     * The largest 8-connected set of pixels whose difference exceeds {@link #OBJECT_THRESHOLD} (the first found on a
     * tie, scanning rows from the top): its pixel indices into {@code best}, its size returned (0 when none).
     */
    private static int largestComponent(double[] difference, int height, int width, boolean[] seen, int[] scratch, int[] best) {
        Arrays.fill(seen, false);
        int bestSize = 0;
        for (int start = 0; start < difference.length; start++) {
            if (seen[start] || difference[start] <= OBJECT_THRESHOLD) continue;
            int size = 0;
            scratch[size++] = start;
            seen[start] = true;
            for (int head = 0; head < size; head++) {
                int x = scratch[head] % width, y = scratch[head] / width;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
                        int j = ny * width + nx;
                        if (seen[j] || difference[j] <= OBJECT_THRESHOLD) continue;
                        seen[j] = true;
                        scratch[size++] = j;
                    }
                }
            }
            if (size > bestSize) {
                bestSize = size;
                System.arraycopy(scratch, 0, best, 0, size);
            }
        }
        return bestSize;
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
