package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** PNG output: one frame, or every frame as a numbered sequence ({@code name_0000.png}, …). */
public final class PngWriter {

    private PngWriter() {
    }

    public static void writeFrame(Video video, int frame, Path file) {
        BufferedImage image = image(video, frame);
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer available");
        });
    }

    /**
     * Writes {@code <stem>_0000.png …} next to {@code file} (whose name gives the stem), as a set: into a hidden
     * temporary folder first, renamed into place when every frame is written, so a failed or killed write leaves
     * no partial sequence ({@link io.tilewise.attention.io.AtomicFiles#writeAll}).
     */
    public static List<Path> writeSequence(Video video, Path file) {
        String name = file.getFileName().toString();
        String stem = name.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        Path dir = file.toAbsolutePath().getParent();
        List<Path> targets = new ArrayList<>();
        for (int f = 0; f < video.frames(); f++) targets.add(dir.resolve(String.format("%s_%04d.png", stem, f)));
        try {
            Files.createDirectories(dir);
            io.tilewise.attention.io.AtomicFiles.writeAll(targets, folder -> {
                for (int f = 0; f < video.frames(); f++) {
                    Path frame = folder.resolve(targets.get(f).getFileName().toString());
                    if (!ImageIO.write(image(video, f), "png", frame.toFile())) throw new IOException("no PNG writer available");
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + targets.getFirst() + " … " + targets.getLast() + ": " + e.getMessage(), e);
        }
        return List.copyOf(targets);
    }

    static BufferedImage image(Video video, int frame) {
        byte[] rgb = video.frameBytes(frame);
        BufferedImage image = new BufferedImage(video.width(), video.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < video.height(); y++) {
            for (int x = 0; x < video.width(); x++) {
                int i = (y * video.width() + x) * 3;
                image.setRGB(x, y, (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
            }
        }
        return image;
    }
}
