package io.tilewise.attention.api;

import java.util.Locale;

/** Where text tokens sit in the self-attention sequence. */
public enum TextPlacement {
    /** No text in self-attention (Wan). */
    NONE,
    /** Text before video (FLUX, CogVideoX). */
    PREFIX,
    /** Text after video (HunyuanVideo in diffusers). */
    SUFFIX;

    public static TextPlacement parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("text placement '" + text + "' is not one of none, prefix, suffix");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
