package io.tilewise.attention.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and folders this process is using, deleted when the JVM shuts down: on a normal exit and on
 * {@code SIGINT} (Ctrl-C) and {@code SIGTERM}, which run shutdown hooks. A {@code SIGKILL} runs nothing; what it
 * leaves is removed by the next run ({@link AtomicFiles}' stale temporaries, {@link OrtTemporaryFiles}).
 *
 * <p>Writers register a path before creating it and unregister it once it is renamed into place or deleted.
 */
public final class TemporaryFiles {

    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TemporaryFiles::deleteAll, "tilewise-temporary-files"));
    }

    private TemporaryFiles() {
    }

    /** {@code path} (a file or a folder) is to be deleted if the process exits before {@link #release}. */
    public static void register(Path path) {
        LIVE.add(path.toAbsolutePath());
    }

    /** {@code path} is no longer temporary (renamed into place) or already deleted. */
    public static void release(Path path) {
        LIVE.remove(path.toAbsolutePath());
    }

    /** Deletes {@code path} and, for a folder, everything in it (symlinks are deleted, not followed). Best effort. */
    public static void deleteRecursively(Path path) {
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException e) {
            // best effort: what remains is removed as stale by a later run
        }
    }

    private static void deleteAll() {
        for (Path path : LIVE) deleteRecursively(path);
    }
}
