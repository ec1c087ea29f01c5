package io.tilewise.pipeline.model;

/**
 * A model directory, config or weights file we cannot accept. The message is one line naming the file or tensor,
 * what was found and what is expected.
 */
public final class ModelFormatException extends IllegalArgumentException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
