package io.tilewise.training;

import io.tilewise.pipeline.model.TinyModels;

import io.tilewise.pipeline.quality.Palette;

import java.util.List;

/** The synthetic-data vocabulary of the contract ("Prompts and vocabulary"); a word's id is its index. */
public final class Vocabulary {

    /** Object colors (the pipeline's {@link Palette}, which reads clips back into these words). */
    public static final List<String> COLORS = Palette.COLORS;
    /** Object shapes. */
    public static final List<String> SHAPES = Palette.SHAPES;
    /** Motion directions (up = towards row 0). */
    public static final List<String> DIRECTIONS = Palette.DIRECTIONS;
    /** Background colors (never the object's color). */
    public static final List<String> BACKGROUNDS = Palette.BACKGROUNDS;

    /** Id 0. */
    public static final String PAD = io.tilewise.pipeline.model.ModelConfig.PAD;
    /** Id 1; starts every prompt. */
    public static final String BOS = io.tilewise.pipeline.model.ModelConfig.BOS;

    /** All tokens in id order: pad, bos, fillers, colors, shapes, directions, background-only colors (the contract's). */
    public static final List<String> WORDS = TinyModels.VOCAB;

    private Vocabulary() {
    }
}
