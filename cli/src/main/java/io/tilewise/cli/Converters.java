package io.tilewise.cli;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import picocli.CommandLine.TypeConversionException;

/** Option value converters; the library's message becomes picocli's one-line "Invalid value" error. */
final class Converters {

    private Converters() {
    }

    static TokenGrid grid(String text) {
        try {
            return TokenGrid.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static io.tilewise.attention.memory.MemoryLimit memoryLimit(String text) {
        try {
            return io.tilewise.attention.memory.MemoryLimit.of(text, "--memory-limit");
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static TextPlacement placement(String text) {
        try {
            return TextPlacement.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
