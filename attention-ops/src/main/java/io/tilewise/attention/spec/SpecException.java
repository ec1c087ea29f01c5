package io.tilewise.attention.spec;

/** A method spec or parameter a user wrote that we cannot accept; the message is one line naming what and why. */
public final class SpecException extends IllegalArgumentException {
    public SpecException(String message) {
        super(message);
    }
}
