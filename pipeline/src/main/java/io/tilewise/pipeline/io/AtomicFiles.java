package io.tilewise.pipeline.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The writers' entry to {@link io.tilewise.attention.io.AtomicFiles}: creates the target's directory (a video
 * output may name a new folder) and reports failures unchecked, naming the file.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    public static void write(Path target, io.tilewise.attention.io.AtomicFiles.Writer writer) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            io.tilewise.attention.io.AtomicFiles.write(target, writer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
