package io.tilewise.pipeline.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fixed adherence prompt sets, fixed so adherence numbers compare across commits and methods.
 *
 * <p>{@link #standard()}: 24 scenes covering every color, shape and direction. The bundled models' defaults (steps,
 * guidance, shift) were tuned on these, so a number read on them flatters the model. {@link #heldOut()}: 48 other
 * scenes, the test set, on which no training or sampling choice may be made.
 */
public final class PromptSet {

    /** Scenes in {@link #heldOut()}: every color × direction once, then 16 more so each color has 6 and each direction 12. */
    public static final int HELD_OUT_SIZE = 48;

    /** One prompt and what a correct clip shows. */
    public record Scene(String color, String shape, String direction, String background) {
        public String prompt() {
            return "a " + color + " " + shape + " moving " + direction + " on a " + background + " background";
        }
    }

    private PromptSet() {
    }

    /** The 24 prompts the bundled models' defaults were chosen on (every color, shape and direction). */
    public static List<Scene> standard() {
        List<Scene> scenes = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String color = Palette.COLORS.get(i % Palette.COLORS.size());
            String direction = Palette.DIRECTIONS.get((i + i / Palette.COLORS.size()) % Palette.DIRECTIONS.size());
            String shape = Palette.SHAPES.get(i % Palette.SHAPES.size());
            int b = (i * 5 + 1) % Palette.BACKGROUNDS.size();
            while (Palette.BACKGROUNDS.get(b).equals(color)) b = (b + 1) % Palette.BACKGROUNDS.size();
            scenes.add(new Scene(color, shape, direction, Palette.BACKGROUNDS.get(b)));
        }
        return List.copyOf(scenes);
    }

    /**
     * The held-out test set: {@value #HELD_OUT_SIZE} scenes that no training or sampling choice may be made on (no
     * default, recipe, checkpoint or threshold may be picked by its number here; tune on {@link #standard()}, then
     * read this once). Every color × direction pair appears, each shape 16 times (4 times per direction), each
     * background 8 times and never the object's color, and no scene shows a color, shape and direction that a
     * standard scene shows (so none differs from a tuned prompt by its background alone).
     *
     * <p>Built by a fixed rule, no randomness: scene i has color i mod 8 and, for i &lt; 32, direction i / 8 (the
     * full grid), then direction (color + i / 8 - 4) mod 4. Its shape is, among those not making a standard
     * color-shape-direction, the one this direction has had least, then this color, then overall, then the first
     * in {@link Palette#SHAPES}; its background, among those not its color, the one used least, then least with this
     * color, then the first from the color's index on.
     */
    public static List<Scene> heldOut() {
        List<String> colors = Palette.COLORS, shapes = Palette.SHAPES, directions = Palette.DIRECTIONS,
                backgrounds = Palette.BACKGROUNDS;
        Set<List<String>> tuned = new HashSet<>();
        for (Scene s : standard()) tuned.add(List.of(s.color(), s.shape(), s.direction()));
        int[][] shapeByDirection = new int[directions.size()][shapes.size()];
        int[][] shapeByColor = new int[colors.size()][shapes.size()];
        int[] shapeCount = new int[shapes.size()];
        int[][] backgroundByColor = new int[colors.size()][backgrounds.size()];
        int[] backgroundCount = new int[backgrounds.size()];
        List<Scene> scenes = new ArrayList<>();
        for (int i = 0; i < HELD_OUT_SIZE; i++) {
            int c = i % colors.size(), round = i / colors.size();
            int d = round < directions.size() ? round : (c + round - directions.size()) % directions.size();
            String color = colors.get(c), direction = directions.get(d);
            int s = -1;
            for (int k = 0; k < shapes.size(); k++) {
                if (tuned.contains(List.of(color, shapes.get(k), direction))) continue;
                if (s < 0 || Arrays.compare(new int[] {shapeByDirection[d][k], shapeByColor[c][k], shapeCount[k]},
                        new int[] {shapeByDirection[d][s], shapeByColor[c][s], shapeCount[s]}) < 0) s = k;
            }
            int b = -1;
            for (int j = 0; j < backgrounds.size(); j++) {
                int k = (c + j) % backgrounds.size();
                if (backgrounds.get(k).equals(color)) continue;
                if (b < 0 || Arrays.compare(new int[] {backgroundCount[k], backgroundByColor[c][k]},
                        new int[] {backgroundCount[b], backgroundByColor[c][b]}) < 0) b = k;
            }
            shapeByDirection[d][s]++;
            shapeByColor[c][s]++;
            shapeCount[s]++;
            backgroundByColor[c][b]++;
            backgroundCount[b]++;
            scenes.add(new Scene(color, shapes.get(s), direction, backgrounds.get(b)));
        }
        return List.copyOf(scenes);
    }
}
