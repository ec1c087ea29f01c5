package io.tilewise.attention.io;

import java.io.IOException;

/**
 * A file the user gave cannot be read as one: missing, not a regular file, too large, or not the text it should be.
 * The message is one line naming the file's role and path (see {@link UserFiles}).
 */
public final class UserFileException extends IOException {
    public UserFileException(String message) {
        super(message);
    }
}
