package io.tilewise.attention.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Every output file of the project is written through here: into a temporary sibling, then renamed over the
 * target, so a failed or killed write never leaves a partial file (DESIGN.md §7). The target's directory must
 * exist; the error names it otherwise.
 */
public final class AtomicFiles {

    /** Writes the temporary file it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temporary) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException(target + ": directory " + parent + " does not exist");
        }
        Path tmp = Files.createTempFile(parent, "." + absolute.getFileName(), ".part");
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
