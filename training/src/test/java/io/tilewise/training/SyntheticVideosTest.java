package io.tilewise.training;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticVideosTest {

    @Test
    void sameSeedAndIndexGiveTheSameClip() {
        SyntheticVideos.Clip a = new SyntheticVideos(7).sample(42, 4, 32, 32);
        SyntheticVideos.Clip b = new SyntheticVideos(7).sample(42, 4, 32, 32);
        assertArrayEquals(a.pixels(), b.pixels());
        assertEquals(a.prompt(), b.prompt());
        assertFalse(Arrays.equals(a.pixels(), new SyntheticVideos(8).sample(42, 4, 32, 32).pixels()));
        assertFalse(Arrays.equals(a.pixels(), new SyntheticVideos(7).sample(43, 4, 32, 32).pixels()));
    }

    @Test
    void valuesStayInRange() {
        float[] p = new SyntheticVideos(1).sample(3, 8, 32, 32).pixels();
        for (float v : p) {
            assertTrue(v >= -1f && v <= 1f, "value " + v);
        }
    }

    @Test
    void promptMatchesPixels() {
        SyntheticVideos data = new SyntheticVideos(3);
        for (int i = 0; i < 60; i++) {
            int frames = i % 3 == 0 ? 1 : 8;
            int size = i % 2 == 0 ? 32 : 64;
            SyntheticVideos.Clip clip = data.sample(i, frames, size, size);
            String[] words = clip.prompt().split(" ");
            String color = words[1];
            String shape = words[2];
            String background = words[words.length - 2];
            assertTrue(Vocabulary.SHAPES.contains(shape), clip.prompt());
            assertNotEquals(color, background, clip.prompt());
            float[] fg = rgb(color);
            float[] bg = rgb(background);
            double[][] centroids = new double[frames][];
            for (int f = 0; f < frames; f++) {
                centroids[f] = centroidOf(clip, f, bg);
                // The pixel at the centroid of the non-background pixels has the object's color (all three shapes
                // are convex, so their centroid lies inside).
                int cx = (int) Math.floor(centroids[f][0]);
                int cy = (int) Math.floor(centroids[f][1]);
                assertArrayEquals(fg, pixel(clip, f, cy, cx), 0.02f, clip.prompt() + " frame " + f);
                // The most common color is the background: the object covers under a fifth of the frame.
                assertTrue(centroids[f][2] < 0.2 * size * size, clip.prompt() + " covers " + centroids[f][2]);
            }
            if (frames == 1) {
                assertFalse(clip.prompt().contains("moving"), clip.prompt());
                continue;
            }
            assertEquals("moving", words[3], clip.prompt());
            double dx = centroids[frames - 1][0] - centroids[0][0];
            double dy = centroids[frames - 1][1] - centroids[0][1];
            String seen = Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? "right" : "left") : (dy > 0 ? "down" : "up");
            assertEquals(words[4], seen, clip.prompt() + " displacement " + dx + "," + dy);
            assertTrue(Math.max(Math.abs(dx), Math.abs(dy)) > 0.1 * size, clip.prompt() + " moves too little");
        }
    }

    @Test
    void trailingStartPutsTheObjectOnTheSideItLeaves() {
        SyntheticVideos anywhere = new SyntheticVideos(4);
        SyntheticVideos trailing = new SyntheticVideos(4, SyntheticVideos.Start.TRAILING);
        int frames = 16;
        boolean anywhereCrossed = false;
        for (int i = 0; i < 200; i++) {
            SyntheticVideos.Scene a = anywhere.scene(i, frames);
            SyntheticVideos.Scene t = trailing.scene(i, frames);
            // Same draws otherwise: prompt, size, speed and the cross-axis position agree.
            assertEquals(a.prompt(), t.prompt());
            assertEquals(a.radius(), t.radius());
            assertEquals(a.vx(), t.vx());
            assertEquals(a.vy(), t.vy());
            // Start and end on the motion axis, measured from the edge the object moves away from.
            double start = switch (t.direction()) {
                case "right" -> t.cx(0);
                case "left" -> 1 - t.cx(0);
                case "down" -> t.cy(0);
                default -> 1 - t.cy(0);
            };
            double margin = 0.8 * t.radius();
            double travel = Math.hypot(t.vx(), t.vy()) * (frames - 1);
            double room = 1 - 2 * margin - travel;
            assertTrue(start >= margin - 1e-12 && start <= margin + 0.25 * room + 1e-12, t + " starts at " + start);
            assertTrue(start + travel <= 1 - margin + 1e-12, t + " leaves the frame");
            double aStart = switch (a.direction()) {
                case "right" -> a.cx(0);
                case "left" -> 1 - a.cx(0);
                case "down" -> a.cy(0);
                default -> 1 - a.cy(0);
            };
            anywhereCrossed |= aStart > margin + 0.5 * room;
        }
        assertTrue(anywhereCrossed, "the default rule also starts objects far from the trailing edge");
        assertEquals(SyntheticVideos.Start.TRAILING, SyntheticVideos.Start.parse("trailing"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyntheticVideos.Start.parse("middle"));
        assertEquals("--start middle is not one of anywhere, trailing", e.getMessage());
    }

    @Test
    void shapesDifferInPixels() {
        SyntheticVideos.Scene base = new SyntheticVideos(1).scene(0, 1);
        float[] circle = render(base, "circle");
        float[] square = render(base, "square");
        float[] triangle = render(base, "triangle");
        assertFalse(Arrays.equals(circle, square));
        assertFalse(Arrays.equals(circle, triangle));
        assertFalse(Arrays.equals(square, triangle));
    }

    private static float[] render(SyntheticVideos.Scene s, String shape) {
        SyntheticVideos.Scene scene = new SyntheticVideos.Scene(s.color(), shape, null, s.background(), 0.5, 0.5, 0, 0, 0.2);
        return SyntheticVideos.render(scene, 1, 32, 32).pixels();
    }

    /** {x, y, count} of the pixels that differ from the background (anti-aliased edge pixels weighted). */
    private static double[] centroidOf(SyntheticVideos.Clip clip, int f, float[] bg) {
        double sx = 0, sy = 0, sw = 0;
        for (int y = 0; y < clip.height(); y++) {
            for (int x = 0; x < clip.width(); x++) {
                float[] p = pixel(clip, f, y, x);
                double d = Math.abs(p[0] - bg[0]) + Math.abs(p[1] - bg[1]) + Math.abs(p[2] - bg[2]);
                if (d > 0.05) {
                    sx += x + 0.5;
                    sy += y + 0.5;
                    sw += 1;
                }
            }
        }
        assertTrue(sw > 0, clip.prompt() + ": object invisible in frame " + f);
        return new double[] {sx / sw, sy / sw, sw};
    }

    private static float[] pixel(SyntheticVideos.Clip clip, int f, int y, int x) {
        int plane = clip.frames() * clip.height() * clip.width();
        int i = (f * clip.height() + y) * clip.width() + x;
        float[] p = clip.pixels();
        return new float[] {p[i], p[plane + i], p[2 * plane + i]};
    }

    private static float[] rgb(String color) {
        float[] c = SyntheticVideos.RGB.get(color);
        return new float[] {2 * c[0] - 1, 2 * c[1] - 1, 2 * c[2] - 1};
    }
}
