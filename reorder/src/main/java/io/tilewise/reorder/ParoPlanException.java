package io.tilewise.reorder;

/** A PARO plan file that cannot be used: corrupt, truncated, or calibrated for something else. One line. */
public final class ParoPlanException extends IllegalArgumentException {
    public ParoPlanException(String message) {
        super(message);
    }

    public ParoPlanException(String message, Throwable cause) {
        super(message, cause);
    }
}
