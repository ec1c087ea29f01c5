package io.tilewise.attention.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Every output file of the project is written through here: into a temporary sibling, then renamed over the
 * target, so a failed or killed write never leaves a partial file (docs/design.md §7). The target's directory must
 * exist; the error names it otherwise.
 *
 * <p>Temporary files are hidden and named for their target and writer, {@code .NAME.twPID.RANDOM.part} (e.g.
 * {@code .clip.mp4.tw4242.8210374.part}), so that nothing else can mistake them for output. A failed write deletes
 * its own; a process killed while writing ({@code SIGKILL}, power loss) cannot, so the next write of the same
 * target deletes the temporary files of that target whose writing process no longer runs. Files of live processes,
 * this one included (another thread may be writing), are left alone.
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
        deleteStaleTemporaries(parent, absolute.getFileName().toString());
        Path tmp = Files.createTempFile(parent, temporaryPrefix(absolute.getFileName().toString()) + ProcessHandle.current().pid() + ".",
                TEMP_SUFFIX);
        try {
            writer.write(tmp);
            readableByOthers(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final String TEMP_SUFFIX = ".part";

    /** {@code .NAME.tw}: what every temporary file of target {@code NAME} starts with, before the writer's pid. */
    static String temporaryPrefix(String targetName) {
        return "." + targetName + ".tw";
    }

    /**
     * Deletes temporary files of {@code targetName} in {@code dir} left by processes that no longer run (killed
     * while writing). Best effort: a file that cannot be listed or deleted is left for the next write.
     */
    static void deleteStaleTemporaries(Path dir, String targetName) {
        String prefix = temporaryPrefix(targetName);
        long self = ProcessHandle.current().pid();
        try (var entries = Files.newDirectoryStream(dir, entry -> {
            String name = entry.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX);
        })) {
            for (Path entry : entries) {
                String rest = entry.getFileName().toString().substring(prefix.length());
                int dot = rest.indexOf('.');
                long pid;
                try {
                    pid = Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue; // not ours
                }
                if (pid != self && ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(entry);
            }
        } catch (IOException | RuntimeException e) {
            // best effort; the write itself goes on
        }
    }

    /**
     * Temporary files are created owner-only (0600); an output file should get the usual 0644, like any file the
     * user writes with their default umask.
     */
    private static void readableByOthers(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
