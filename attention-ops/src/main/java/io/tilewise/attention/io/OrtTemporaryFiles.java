package io.tilewise.attention.io;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;

/**
 * Removes the folder ONNX Runtime's Java binding extracts its native libraries into.
 *
 * <p>Why: on loading, ORT (1.29.0) creates {@code java.io.tmpdir/onnxruntime-javaNNNN}, extracts about 28 MB of
 * libraries into it and marks folder and files {@code deleteOnExit}. The JVM deletes those in reverse order of
 * marking, the still-full folder first, so every run left an empty folder behind, and a killed run left all 28 MB
 * (308 such folders had piled up on one machine). So: once ORT is loaded, its libraries are deleted (a loaded
 * library no longer needs its file on Linux, so a later kill leaves an empty folder at most); the folder itself goes
 * at shutdown, Ctrl-C and {@code SIGTERM} included ({@link TemporaryFiles}); and folders of this user's earlier runs
 * that are older than {@link #STALE_AFTER} are removed.
 *
 * <p>ORT keeps the folder in a private field; when a future ORT renames it, this finds nothing and does nothing.
 */
public final class OrtTemporaryFiles {

    /** Older folders are leftovers: ORT only extracts while starting up (and, for CUDA, while opening sessions). */
    static final Duration STALE_AFTER = Duration.ofDays(1);
    static final String PREFIX = "onnxruntime-java";
    private static volatile boolean done;

    private OrtTemporaryFiles() {
    }

    /**
     * Call once ORT is loaded (after {@code OrtEnvironment.getEnvironment()}): deletes its extracted main libraries,
     * marks its folder for deletion at shutdown, and removes stale folders. Idempotent and best effort.
     */
    public static void clean() {
        if (done) return;
        synchronized (OrtTemporaryFiles.class) {
            if (done) return;
            done = true;
        }
        Path folder = ortFolder();
        if (folder != null) {
            TemporaryFiles.register(folder);
            // the two libraries loaded at start-up; provider libraries stay (ORT opens them when a session asks)
            for (String library : new String[] {"libonnxruntime.so", "libonnxruntime4j_jni.so"}) {
                try {
                    Files.deleteIfExists(folder.resolve(library));
                } catch (IOException | RuntimeException e) {
                    // left for the shutdown hook
                }
            }
        }
        removeStale(Path.of(System.getProperty("java.io.tmpdir")), folder, Instant.now().minus(STALE_AFTER));
    }

    /**
     * Deletes {@code onnxruntime-java*} folders in {@code tmp} that belong to this user and were last modified
     * before {@code before}; {@code keep} (this process's) is never touched.
     */
    static int removeStale(Path tmp, Path keep, Instant before) {
        int removed = 0;
        UserPrincipal me;
        try {
            me = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path entry : entries) {
                if (entry.toAbsolutePath().normalize().equals(keep == null ? null : keep.normalize()) || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) continue;
                FileTime modified = Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS);
                if (!me.equals(Files.getOwner(entry, LinkOption.NOFOLLOW_LINKS)) || !modified.toInstant().isBefore(before)) continue;
                TemporaryFiles.deleteRecursively(entry);
                removed++;
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
        return removed;
    }

    /** ORT's extraction folder of this process, or null. */
    static Path ortFolder() {
        try {
            Class<?> runtime = Class.forName("ai.onnxruntime.OnnxRuntime");
            Field field = runtime.getDeclaredField("tempDirectory");
            field.setAccessible(true);
            return field.get(null) instanceof Path p ? p.toAbsolutePath() : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
