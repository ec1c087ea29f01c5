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
 * this one included (another thread may be writing), are left alone. {@code SIGINT} and {@code SIGTERM} run the
 * JVM's shutdown hooks, which delete the temporaries being written ({@link TemporaryFiles}).
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
        TemporaryFiles.register(tmp); // Ctrl-C or SIGTERM while writing: the shutdown hook deletes it
        try {
            try {
                writer.write(tmp);
            } catch (IOException e) {
                throw named(e, tmp, target);
            }
            readableByOthers(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
            TemporaryFiles.release(tmp);
        }
    }

    /**
     * Writes several files of one folder as a set (a PNG sequence): {@code writer} writes them, under the targets'
     * names, into a hidden temporary folder beside them, {@code .FIRST.twPID.N.part/}; once all are written they are
     * renamed into place, one quick rename each. A failed, interrupted ({@code SIGINT}, {@code SIGTERM}) or killed
     * write leaves none of them under their names (a kill during the final renames, microseconds per file, can
     * leave the first ones); the temporary folder of a killed process is removed by the next write of the set.
     */
    public static void writeAll(java.util.List<Path> targets, Writer writer) throws IOException {
        if (targets.isEmpty()) return;
        Path first = targets.getFirst().toAbsolutePath();
        Path parent = first.getParent();
        for (Path t : targets) {
            if (!parent.equals(t.toAbsolutePath().getParent())) throw new IllegalArgumentException(t + " is not in " + parent);
        }
        if (!Files.isDirectory(parent)) throw new IOException(targets.getFirst() + ": directory " + parent + " does not exist");
        String name = first.getFileName().toString();
        deleteStaleTemporaries(parent, name);
        Path folder = null;
        for (int attempt = 0; folder == null; attempt++) {
            Path candidate = parent.resolve(temporaryPrefix(name) + ProcessHandle.current().pid() + "."
                    + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
            try {
                folder = Files.createDirectory(candidate);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
        TemporaryFiles.register(folder);
        try {
            try {
                writer.write(folder);
            } catch (IOException e) {
                throw named(e, folder, parent);
            }
            for (Path t : targets) {
                Path written = folder.resolve(t.getFileName().toString());
                if (!Files.isRegularFile(written)) throw new IOException(t + " was not written");
                readableByOthers(written);
            }
            for (Path t : targets) {
                Path written = folder.resolve(t.getFileName().toString());
                try {
                    Files.move(written, t.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(written, t.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            TemporaryFiles.deleteRecursively(folder);
            TemporaryFiles.release(folder);
        }
    }

    private static final String TEMP_SUFFIX = ".part";

    /**
     * The writer's error with the hidden temporary's path replaced by the target's: the user named the target
     * ("clip.mp4: No space left on device", not ".clip.mp4.tw4242.8210374.part: …").
     */
    private static IOException named(IOException e, Path tmp, Path target) {
        String message = e.getMessage();
        if (message == null || !message.contains(tmp.toString())) return e;
        return new IOException(message.replace(tmp.toString(), target.toString()), e);
    }

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
                if (pid != self && ProcessHandle.of(pid).isEmpty()) TemporaryFiles.deleteRecursively(entry); // a file or a set's folder
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
