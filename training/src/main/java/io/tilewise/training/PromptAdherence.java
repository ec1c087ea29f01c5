package io.tilewise.training;

import java.util.Arrays;
import java.util.Map;

/**
 * Reads a clip's content back from its pixels, to check a sampled clip against its prompt: background color
 * (nearest palette color to the per-channel median of the border pixels), object color (nearest palette color to
 * the mean of the pixels that differ clearly from the background) and motion direction (displacement of the
 * object's centroid from the first to the last frame). Shape is not judged here.
 */
public final class PromptAdherence {

    /**
     * What the pixels show.
     *
     * @param background nearest background word
     * @param color nearest object color word (null when no object pixels were found)
     * @param direction dominant centroid motion (null for single frames or no object)
     * @param objectFraction fraction of pixels taken as object, averaged over frames
     */
    public record Reading(String background, String color, String direction, double objectFraction) {
    }

    private PromptAdherence() {
    }

    /** Reads a clip {@code [3, F, H, W]} in [-1, 1]. */
    public static Reading read(float[] clip, int frames, int height, int width) {
        int plane = frames * height * width;
        float[] bg = new float[3];
        for (int c = 0; c < 3; c++) {
            float[] border = new float[frames * 2 * (height + width)];
            int n = 0;
            for (int f = 0; f < frames; f++) {
                for (int i = 0; i < width; i++) {
                    border[n++] = clip[c * plane + (f * height) * width + i];
                    border[n++] = clip[c * plane + (f * height + height - 1) * width + i];
                }
                for (int i = 0; i < height; i++) {
                    border[n++] = clip[c * plane + (f * height + i) * width];
                    border[n++] = clip[c * plane + (f * height + i) * width + width - 1];
                }
            }
            Arrays.sort(border, 0, n);
            bg[c] = border[n / 2];
        }
        String background = nearest(bg, true);
        double[] sum = new double[3];
        long count = 0;
        double[][] centroid = new double[frames][];
        for (int f = 0; f < frames; f++) {
            double sx = 0, sy = 0, sw = 0;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = (f * height + y) * width + x;
                    double d = 0;
                    for (int c = 0; c < 3; c++) {
                        d += Math.abs(clip[c * plane + i] - bg[c]);
                    }
                    if (d > 0.6) {
                        for (int c = 0; c < 3; c++) {
                            sum[c] += clip[c * plane + i];
                        }
                        count++;
                        sx += x;
                        sy += y;
                        sw++;
                    }
                }
            }
            centroid[f] = sw > 0 ? new double[] {sx / sw, sy / sw} : null;
        }
        String color = null;
        if (count > 0) {
            float[] mean = {(float) (sum[0] / count), (float) (sum[1] / count), (float) (sum[2] / count)};
            color = nearest(mean, false);
        }
        String direction = null;
        if (frames > 1 && centroid[0] != null && centroid[frames - 1] != null) {
            double dx = centroid[frames - 1][0] - centroid[0][0];
            double dy = centroid[frames - 1][1] - centroid[0][1];
            direction = Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? "right" : "left") : (dy > 0 ? "down" : "up");
        }
        return new Reading(background, color, direction, (double) count / plane);
    }

    private static String nearest(float[] v, boolean background) {
        String best = null;
        double bestD = Double.MAX_VALUE;
        for (Map.Entry<String, float[]> e : SyntheticVideos.RGB.entrySet()) {
            boolean allowed = background ? Vocabulary.BACKGROUNDS.contains(e.getKey()) : Vocabulary.COLORS.contains(e.getKey());
            if (!allowed) {
                continue;
            }
            double d = 0;
            for (int c = 0; c < 3; c++) {
                double diff = v[c] - (2 * e.getValue()[c] - 1);
                d += diff * diff;
            }
            if (d < bestD) {
                bestD = d;
                best = e.getKey();
            }
        }
        return best;
    }
}
