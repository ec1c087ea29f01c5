package io.tilewise.attention.io;

import java.io.IOException;

/** A {@code .npy} file we refuse to read or write; the message says which file and why. */
public final class NpyFormatException extends IOException {
    public NpyFormatException(String message) {
        super(message);
    }
}
