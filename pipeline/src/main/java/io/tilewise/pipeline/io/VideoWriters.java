package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Picks the writer from the file name: {@code .png} (one frame, or a numbered sequence {@code name_0000.png …} for
 * several), {@code .gif} (animated, looping), {@code .mp4} (H.264).
 */
public final class VideoWriters {

    private VideoWriters() {
    }

    /**
     * Checks before a long generation that {@code file} has a known extension, is not a directory, and that its
     * directory exists and takes a new file, so a mistake costs nothing.
     */
    public static void checkTarget(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(name.endsWith(".png") || name.endsWith(".gif") || name.endsWith(".mp4"))) {
            throw new IllegalArgumentException("output " + file + " must end in .png, .gif or .mp4");
        }
        if (Files.isDirectory(file)) throw new IllegalArgumentException("output " + file + " is a directory, not a file");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("output " + file + ": directory " + parent + " does not exist");
        }
        // Writable? Try it, as the writer will (permissions alone miss read-only mounts and full disks' inodes).
        try {
            Files.delete(Files.createTempFile(parent, ".tilewise-check.", ".part"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("output " + file + ": cannot write in directory " + parent + " ("
                    + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage()) + ")");
        }
    }

    /** Writes {@code video}; returns the files written. */
    public static List<Path> write(Video video, Path file, double fps) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            if (video.frames() == 1) {
                PngWriter.writeFrame(video, 0, file);
                return List.of(file);
            }
            return PngWriter.writeSequence(video, file);
        }
        if (name.endsWith(".gif")) {
            GifWriter.write(video, file, fps);
            return List.of(file);
        }
        if (name.endsWith(".mp4")) {
            Mp4Writer.write(video, file, fps);
            return List.of(file);
        }
        throw new IllegalArgumentException("output " + file + " must end in .png, .gif or .mp4");
    }
}
