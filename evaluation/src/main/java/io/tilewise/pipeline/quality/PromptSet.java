package io.tilewise.pipeline.quality;

import java.util.ArrayList;
import java.util.List;

/**
 * The fixed adherence prompts: 24 scenes covering every color, shape and direction, each with a background that
 * differs from its object. Fixed so adherence numbers compare across commits and methods.
 */
public final class PromptSet {

    /** One prompt and what a correct clip shows. */
    public record Scene(String color, String shape, String direction, String background) {
        public String prompt() {
            return "a " + color + " " + shape + " moving " + direction + " on a " + background + " background";
        }
    }

    private PromptSet() {
    }

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
}
