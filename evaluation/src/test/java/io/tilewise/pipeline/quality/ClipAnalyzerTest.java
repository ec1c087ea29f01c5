package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipAnalyzerTest {

    /** Draws a scene the way the training data does: a filled shape moving over a flat background. */
    static Video render(PromptSet.Scene scene, int frames, int size) {
        float[] rgb = new float[frames * size * size * 3];
        float[] fg = Palette.RGB.get(scene.color());
        float[] bg = Palette.RGB.get(scene.background());
        double radius = size * 0.16;
        for (int f = 0; f < frames; f++) {
            double t = frames == 1 ? 0 : f / (double) (frames - 1);
            double along = size * (0.3 + 0.4 * t);
            double cx = switch (scene.direction() == null ? "none" : scene.direction()) {
                case "right" -> along;
                case "left" -> size - along;
                default -> size * 0.5;
            };
            double cy = switch (scene.direction() == null ? "none" : scene.direction()) {
                case "down" -> along;
                case "up" -> size - along;
                default -> size * 0.5;
            };
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                    boolean inside = switch (scene.shape()) {
                        case "circle" -> dx * dx + dy * dy <= radius * radius;
                        case "square" -> Math.abs(dx) <= radius && Math.abs(dy) <= radius;
                        default -> dy <= radius && dy >= -radius && Math.abs(dx) <= (dy + radius) / 2;
                    };
                    float[] c = inside ? fg : bg;
                    System.arraycopy(c, 0, rgb, ((f * size + y) * size + x) * 3, 3);
                }
            }
        }
        return new Video(frames, size, size, rgb);
    }

    @Test
    void readsEveryScenOfThePromptSetBackFromItsPixels() {
        for (PromptSet.Scene scene : PromptSet.standard()) {
            ClipReading r = ClipAnalyzer.read(render(scene, 8, 64));
            assertEquals(scene.color(), r.color(), scene.prompt());
            assertEquals(scene.background(), r.background(), scene.prompt());
            assertEquals(scene.direction(), r.direction(), scene.prompt());
            assertEquals(scene.shape(), r.shape(), scene.prompt() + " fill " + r.fill());
        }
    }

    @Test
    void aStillImageHasNoDirectionAndAFlatClipHasNoObject() {
        PromptSet.Scene scene = new PromptSet.Scene("red", "circle", null, "black");
        ClipReading still = ClipAnalyzer.read(render(scene, 1, 64));
        assertEquals("red", still.color());
        assertNull(still.direction());
        ClipReading flat = ClipAnalyzer.read(new Video(2, 8, 8, new float[2 * 8 * 8 * 3]));
        assertNull(flat.color());
        assertNull(flat.shape());
        assertEquals("black", flat.background());
    }

    @Test
    void strayPixelsAwayFromTheObjectDoNotStretchItsBox() {
        PromptSet.Scene scene = new PromptSet.Scene("red", "square", "right", "black");
        Video clean = render(scene, 8, 64);
        float[] rgb = clean.rgb().clone();
        // two isolated white pixels per frame, far from the square's path: were they the object, its box would
        // span the frame and a square would read as a triangle
        for (int f = 0; f < 8; f++) {
            for (int[] at : new int[][] {{4, 6}, {58, 50}}) {
                java.util.Arrays.fill(rgb, ((f * 64 + at[0]) * 64 + at[1]) * 3, ((f * 64 + at[0]) * 64 + at[1]) * 3 + 3, 1f);
            }
        }
        ClipReading r = ClipAnalyzer.read(new Video(8, 64, 64, rgb));
        assertEquals("square", r.shape(), "fill " + r.fill());
        assertEquals("red", r.color());
        assertEquals("right", r.direction());
        assertEquals(ClipAnalyzer.read(clean).fill(), r.fill(), 1e-12);
    }

    @Test
    void promptSetCoversEveryWordAndNeverHidesTheObject() {
        List<PromptSet.Scene> scenes = PromptSet.standard();
        assertEquals(24, scenes.size());
        Set<String> colors = new HashSet<>(), shapes = new HashSet<>(), directions = new HashSet<>();
        for (PromptSet.Scene s : scenes) {
            assertTrue(!s.color().equals(s.background()), s.prompt());
            colors.add(s.color());
            shapes.add(s.shape());
            directions.add(s.direction());
        }
        assertEquals(Set.copyOf(Palette.COLORS), colors);
        assertEquals(Set.copyOf(Palette.SHAPES), shapes);
        assertEquals(Set.copyOf(Palette.DIRECTIONS), directions);
        assertEquals(24, new HashSet<>(scenes).size());
    }
}
