package io.tilewise.pipeline.quality;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundled model's world: color words with their RGB (in [0, 1], as the training data draws them), shapes,
 * directions and background colors. The adherence analyzer reads clips back into these words.
 */
public final class Palette {

    public static final Map<String, float[]> RGB;
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "white", "purple", "orange", "cyan");
    public static final List<String> BACKGROUNDS = List.of("black", "gray", "white", "blue", "green", "red");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    public static final List<String> DIRECTIONS = List.of("left", "right", "up", "down");

    static {
        Map<String, float[]> rgb = new LinkedHashMap<>();
        rgb.put("red", new float[] {1f, 0f, 0f});
        rgb.put("green", new float[] {0f, 0.8f, 0f});
        rgb.put("blue", new float[] {0f, 0.2f, 1f});
        rgb.put("yellow", new float[] {1f, 1f, 0f});
        rgb.put("white", new float[] {1f, 1f, 1f});
        rgb.put("purple", new float[] {0.6f, 0.1f, 0.8f});
        rgb.put("orange", new float[] {1f, 0.55f, 0f});
        rgb.put("cyan", new float[] {0f, 1f, 1f});
        rgb.put("black", new float[] {0f, 0f, 0f});
        rgb.put("gray", new float[] {0.5f, 0.5f, 0.5f});
        RGB = java.util.Collections.unmodifiableMap(rgb);
    }

    private Palette() {
    }

    /** The word among {@code candidates} whose RGB is nearest (Euclidean) to {@code rgb}. */
    public static String nearest(float[] rgb, List<String> candidates) {
        String best = null;
        double bestDistance = Double.MAX_VALUE;
        for (String word : candidates) {
            float[] c = RGB.get(word);
            double d = 0;
            for (int i = 0; i < 3; i++) d += (rgb[i] - c[i]) * (rgb[i] - c[i]);
            if (d < bestDistance) {
                bestDistance = d;
                best = word;
            }
        }
        return best;
    }
}
