package io.tilewise.training;

import java.util.List;

/** The synthetic-data vocabulary of the contract ("Prompts and vocabulary"); a word's id is its index. */
public final class Vocabulary {

    /** Object colors. */
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "white", "purple", "orange", "cyan");
    /** Object shapes. */
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    /** Motion directions (up = towards row 0). */
    public static final List<String> DIRECTIONS = List.of("left", "right", "up", "down");
    /** Background colors (never the object's color). */
    public static final List<String> BACKGROUNDS = List.of("black", "gray", "white", "blue", "green", "red");

    /** Id 0. */
    public static final String PAD = "<pad>";
    /** Id 1; starts every prompt. */
    public static final String BOS = "<bos>";

    /** All tokens in id order: pad, bos, fillers, colors, shapes, directions, background-only colors. */
    public static final List<String> WORDS = List.of(
            PAD, BOS, "a", "moving", "on", "background",
            "red", "green", "blue", "yellow", "white", "purple", "orange", "cyan",
            "circle", "square", "triangle",
            "left", "right", "up", "down",
            "black", "gray");

    private Vocabulary() {
    }
}
