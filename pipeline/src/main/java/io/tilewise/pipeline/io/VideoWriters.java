package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Picks the writer from the file name: {@code .png} (one frame, or a numbered sequence {@code name_0000.png …} for
 * several), {@code .gif} (animated, looping), {@code .mp4} (H.264; FFmpeg's GPL build), {@code .webm} (VP9;
 * any FFmpeg build).
 */
public final class VideoWriters {

    /** VP9 constant quality of {@code .webm} (0 best .. 63); the comparison report's side-by-side videos use 12 too. */
    private static final int WEBM_CRF = 12;

    private VideoWriters() {
    }

    /**
     * Checks before a long generation that {@code file} has a known extension, is not a directory, and that its
     * directory exists and takes a new file, so a mistake costs nothing.
     */
    public static void checkTarget(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(name.endsWith(".png") || name.endsWith(".gif") || name.endsWith(".mp4") || name.endsWith(".webm")
                || name.endsWith(".npy"))) {
            throw new IllegalArgumentException("output " + file + " must end in .png, .gif, .mp4, .webm or .npy");
        }
        if (Files.isDirectory(file)) throw new IllegalArgumentException("output " + file + " is a directory, not a file");
        if (name.endsWith(".mp4")) H264Encoder.require(file);
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
        if (name.endsWith(".webm")) {
            WebmWriter.write(video, file, fps, WEBM_CRF);
            return List.of(file);
        }
        if (name.endsWith(".npy")) {
            writeNpy(video, file);
            return List.of(file);
        }
        throw new IllegalArgumentException("output " + file + " must end in .png, .gif, .mp4, .webm or .npy");
    }

    /** The float frames {@code [F, H, W, 3]} in [0, 1] before any 8-bit conversion, written atomically. */
    private static void writeNpy(Video video, Path file) {
        try {
            Npy.write(file, new NpyArray(new int[] {video.frames(), video.height(), video.width(), 3}, video.rgb()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
