package io.tilewise.training;

import io.tilewise.pipeline.quality.ClipAnalyzer;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.quality.Palette;
import io.tilewise.pipeline.run.Video;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The adherence reader inference uses reads the training data's own clips (ground truth known) correctly, and how it
 * reads them blurred (what a weak model draws) or with pixel noise.
 */
class ClipAnalyzerOnTrainingDataTest {

    /** The bundled model's default clip: 16 frames of 64×64 (TrainTinyModel's final bucket), objects as trained. */
    private static final int FRAMES = 16, SIZE = 64, SAMPLES = 300;

    @Test
    void readsTheGroundTruthClipsCorrectly() {
        SyntheticVideos data = new SyntheticVideos(11);
        for (int i = 0; i < 40; i++) {
            int frames = i % 4 == 0 ? 1 : 8;
            SyntheticVideos.Clip clip = data.sample(i, frames, 32, 32);
            ClipReading r = ClipAnalyzer.read(Video.fromChannelsFirst(clip.pixels(), frames, 32, 32));
            SyntheticVideos.Scene s = clip.scene();
            assertEquals(s.background(), r.background(), clip.prompt());
            assertEquals(s.color(), r.color(), clip.prompt());
            assertEquals(s.direction(), r.direction(), clip.prompt());
        }
    }

    /**
     * Every attribute of every clip is read right. Why all, not most: the data's fills are fixed by geometry, square 1,
     * circle π/4 ≈ 0.785 (≤ 0.83 when the frame cuts off 0.2 radius, the most it can), triangle 0.5 (≤ 0.55 cut), and
     * the analyzer's thresholds 0.64 and 0.9 sit ≥ 0.07 from each; anti-aliasing moves a box side by under a pixel,
     * ≤ 1/13 of the smallest object's (radius 0.12·64 px), so no clip can cross. Colors, backgrounds and directions
     * (a shift of ≥ 0.3 frame widths) have no near case either.
     */
    @Test
    void readsEverySixteenFrameTrainingClipRight() {
        Tally sharp = tally(UnaryOperator.identity());
        sharp.print("sharp");
        assertEquals(SAMPLES, sharp.color, "color");
        assertEquals(SAMPLES, sharp.background, "background");
        assertEquals(SAMPLES, sharp.direction, "direction");
        assertEquals(SAMPLES, sharp.shape(), "shape");
    }

    /**
     * What a weak model's clips do to the reading. A box blur leaves colors and directions readable (the color comes
     * from the object's core, not its edges blended into the background) but rounds a triangle's corners: its fill
     * rises towards a circle's, so blurry triangles read as circles, not blobs as triangles. Stray noise pixels are not
     * the object (its largest connected part is), so they no longer stretch its box into a "triangle".
     */
    @Test
    void blurredAndNoisyClipsKeepTheirColorAndDirection() {
        for (int k : new int[] {3, 5}) {
            Tally t = tally(v -> boxBlur(v, k));
            t.print(k + "x" + k + " box blur");
            assertEquals(SAMPLES, t.color, "color, blur " + k);
            assertEquals(SAMPLES, t.direction, "direction, blur " + k);
            assertEquals(SAMPLES, t.background, "background, blur " + k);
        }
        Tally noisy = tally(v -> noise(v, 0.05, 5));
        noisy.print("noise sigma 0.05");
        assertEquals(SAMPLES, noisy.color, "color, noise");
        assertEquals(SAMPLES, noisy.shape(), "shape, noise");
        assertEquals(SAMPLES, noisy.direction, "direction, noise");
    }

    /** Counts of right readings over the seeded samples and the confusion of shapes (columns: read as, then none). */
    private static final class Tally {
        int color, background, direction;
        final int[][] shapes = new int[3][4];
        final double[] minFill = {9, 9, 9}, maxFill = {-9, -9, -9};

        int shape() {
            return shapes[0][0] + shapes[1][1] + shapes[2][2];
        }

        void print(String name) {
            System.out.printf(Locale.ROOT, "%s, %d clips %dx%dx%d: color %.3f, background %.3f, direction %.3f, shape %.3f%n",
                    name, SAMPLES, FRAMES, SIZE, SIZE, color / (double) SAMPLES, background / (double) SAMPLES,
                    direction / (double) SAMPLES, shape() / (double) SAMPLES);
            for (int s = 0; s < 3; s++) {
                System.out.printf(Locale.ROOT, "  %-8s read as circle %3d, square %3d, triangle %3d, none %3d; fill %.3f..%.3f%n",
                        Palette.SHAPES.get(s), shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], minFill[s], maxFill[s]);
            }
        }
    }

    private static Tally tally(UnaryOperator<Video> change) {
        SyntheticVideos data = new SyntheticVideos(23, SyntheticVideos.Start.TRAILING);
        Tally t = new Tally();
        for (int i = 0; i < SAMPLES; i++) {
            SyntheticVideos.Clip clip = data.sample(i, FRAMES, SIZE, SIZE);
            ClipReading r = ClipAnalyzer.read(change.apply(Video.fromChannelsFirst(clip.pixels(), FRAMES, SIZE, SIZE)));
            SyntheticVideos.Scene s = clip.scene();
            t.color += s.color().equals(r.color()) ? 1 : 0;
            t.background += s.background().equals(r.background()) ? 1 : 0;
            t.direction += s.direction().equals(r.direction()) ? 1 : 0;
            int truth = Palette.SHAPES.indexOf(s.shape());
            t.shapes[truth][r.shape() == null ? 3 : Palette.SHAPES.indexOf(r.shape())]++;
            t.minFill[truth] = Math.min(t.minFill[truth], r.fill());
            t.maxFill[truth] = Math.max(t.maxFill[truth], r.fill());
        }
        return t;
    }

    /** A k×k box blur of every frame (edges repeated). */
    static Video boxBlur(Video v, int k) {
        int h = v.height(), w = v.width(), r = k / 2;
        float[] out = new float[v.rgb().length];
        for (int f = 0; f < v.frames(); f++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int dy = -r; dy <= r; dy++) {
                            for (int dx = -r; dx <= r; dx++) {
                                sum += v.get(f, Math.clamp(y + dy, 0, h - 1), Math.clamp(x + dx, 0, w - 1), c);
                            }
                        }
                        out[((f * h + y) * w + x) * 3 + c] = (float) (sum / (k * k));
                    }
                }
            }
        }
        return new Video(v.frames(), h, w, out);
    }

    /** Seeded Gaussian noise of standard deviation sigma on every channel, clamped to [0, 1]. */
    static Video noise(Video v, double sigma, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = v.rgb().clone();
        for (int i = 0; i < out.length; i++) {
            double g = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
            out[i] = (float) Math.clamp(out[i] + sigma * g, 0, 1);
        }
        return new Video(v.frames(), v.height(), v.width(), out);
    }
}
