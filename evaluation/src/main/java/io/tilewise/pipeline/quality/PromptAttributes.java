package io.tilewise.pipeline.quality;

import java.util.List;
import java.util.Locale;

/**
 * What a prompt in the bundled model's words asks for — "a red circle moving right on a blue background" — as a
 * {@link PromptSet.Scene}, so any prompt's clip can be checked like the fixed prompt set.
 */
public final class PromptAttributes {

    private PromptAttributes() {
    }

    /**
     * The scene a prompt describes: the object color is the first color word before "background", the background the
     * color word right before it. Null when the prompt lacks a color, shape, direction or background word.
     */
    public static PromptSet.Scene parse(String prompt) {
        List<String> words = List.of(prompt.toLowerCase(Locale.ROOT).replaceAll("[^a-z ]", " ").trim().split("\\s+"));
        int backgroundAt = words.indexOf("background");
        if (backgroundAt < 1) return null;
        String background = words.get(backgroundAt - 1);
        if (!Palette.BACKGROUNDS.contains(background)) return null;
        String color = first(words.subList(0, backgroundAt - 1), Palette.COLORS);
        String shape = first(words, Palette.SHAPES);
        String direction = first(words, Palette.DIRECTIONS);
        if (color == null || shape == null || direction == null) return null;
        return new PromptSet.Scene(color, shape, direction, background);
    }

    private static String first(List<String> words, List<String> vocabulary) {
        return words.stream().filter(vocabulary::contains).findFirst().orElse(null);
    }
}
