package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class WritersTest {

    @TempDir
    Path dir;

    /** 3 frames of 16×12: a red square that moves right on a blue background. */
    private static Video movingSquare() {
        int frames = 3, height = 12, width = 16;
        float[] rgb = new float[frames * height * width * 3];
        for (int f = 0; f < frames; f++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    int i = ((f * height + y) * width + x) * 3;
                    boolean square = y >= 4 && y < 8 && x >= 2 + 4 * f && x < 6 + 4 * f;
                    rgb[i] = square ? 1 : 0;
                    rgb[i + 2] = square ? 0 : 1;
                }
        return new Video(frames, height, width, rgb);
    }

    @Test
    void pngFrameReadsBackExactly() throws IOException {
        Video video = movingSquare();
        Path file = dir.resolve("frame.png");
        PngWriter.writeFrame(video, 1, file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(16, image.getWidth());
        assertEquals(12, image.getHeight());
        assertEquals(0xff0000, image.getRGB(6, 5) & 0xffffff, "square of frame 1 at x 6..9");
        assertEquals(0x0000ff, image.getRGB(2, 5) & 0xffffff);
        assertNoTemporaryFiles();
    }

    @Test
    void pngSequenceNumbersFrames() throws IOException {
        List<Path> files = VideoWriters.write(movingSquare(), dir.resolve("clip.png"), 8);
        assertEquals(List.of(dir.resolve("clip_0000.png"), dir.resolve("clip_0001.png"), dir.resolve("clip_0002.png")),
                files.stream().map(p -> p.toAbsolutePath()).toList());
        assertEquals(0xff0000, ImageIO.read(files.get(2).toFile()).getRGB(10, 4) & 0xffffff);
    }

    @Test
    void gifIsAnimatedAndLoops() throws IOException {
        Path file = dir.resolve("clip.gif");
        GifWriter.write(movingSquare(), file, 10);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals("GIF89a", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("NETSCAPE2.0"), "loop extension");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true));
            BufferedImage last = reader.read(2);
            assertEquals(0xff0000, last.getRGB(11, 6) & 0xffffff);
            assertEquals(0x0000ff, last.getRGB(2, 6) & 0xffffff);
            reader.dispose();
        }
        assertNoTemporaryFiles();
    }

    /** {@code .webm} by name: a Matroska/WebM file (EBML magic, doc type webm) with a VP9 track. */
    @Test
    void videoWritersWriteWebmByName() throws IOException {
        Path file = dir.resolve("clip.webm");
        VideoWriters.checkTarget(file);
        assertEquals(List.of(file), VideoWriters.write(movingSquare(), file, 8));
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3}, java.util.Arrays.copyOf(bytes, 4));
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("webm") && all.contains("V_VP9"), "WebM doc type and VP9 codec id");
        assertNoTemporaryFiles();
    }

    /** Only with FFmpeg's LGPL build on the class path ({@code -P lgpl}): MP4 is refused up front, in one line. */
    @Test
    void mp4WithoutLibx264IsRefusedBeforeAnyWork() throws IOException {
        assumeFalse(H264Encoder.available(), "runs with FFmpeg's LGPL build only (mvn -P lgpl)");
        Path file = dir.resolve("clip.mp4");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VideoWriters.checkTarget(file));
        assertTrue(e.getMessage().contains("libx264") && e.getMessage().contains(".webm") && !e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mp4Writer.write(movingSquare(), file, 8));
        assertTrue(!Files.exists(file));
        assertNoTemporaryFiles();
    }

    @Test
    void mp4IsAnH264FileWithAnFtypBox() throws IOException {
        assumeTrue(H264Encoder.available(), "FFmpeg's LGPL build (profile lgpl) has no libx264");
        Path file = dir.resolve("clip.mp4");
        Mp4Writer.write(movingSquare(), file, 8);
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 100, "size " + bytes.length);
        assertEquals("ftyp", new String(bytes, 4, 4, StandardCharsets.US_ASCII));
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("avc1"), "H.264 sample entry");
        assertNoTemporaryFiles();
    }

    @Test
    void streamedMp4IsWrittenChunkByChunkAndRenamedAtTheEnd() throws IOException {
        assumeTrue(H264Encoder.available(), "FFmpeg's LGPL build (profile lgpl) has no libx264");
        Path file = dir.resolve("stream.mp4");
        Video clip = movingSquare();
        Mp4StreamWriter.write(file, clip.width(), clip.height(), 8, sink -> {
            for (int f = 0; f < clip.frames(); f++) {
                float[] one = java.util.Arrays.copyOfRange(clip.rgb(), f * clip.height() * clip.width() * 3, (f + 1) * clip.height() * clip.width() * 3);
                sink.add(new Video(1, clip.height(), clip.width(), one));
                assertTrue(!Files.exists(file), "the target appears only when the producer is done");
            }
        });
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 12);
        assertEquals("ftyp", new String(head, 4, 4, StandardCharsets.US_ASCII));
        Path failed = dir.resolve("failed.mp4");
        assertThrows(IllegalStateException.class, () -> Mp4StreamWriter.write(failed, 16, 12, 8, sink -> {
            sink.add(clip);
            throw new IllegalStateException("generation failed");
        }));
        assertTrue(!Files.exists(failed));
        assertNoTemporaryFiles();
    }

    @Test
    void badOutputsAreRefusedWithoutFiles() throws IOException {
        Video odd = new Video(1, 3, 5, new float[45]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mp4Writer.write(odd, dir.resolve("x.mp4"), 8));
        assertTrue(e.getMessage().contains("5x3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VideoWriters.write(odd, dir.resolve("x.avi"), 8));
        assertThrows(IllegalArgumentException.class, () -> GifWriter.write(odd, dir.resolve("x.gif"), 0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void failedWriteLeavesNoPartialFile() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        assertThrows(java.io.UncheckedIOException.class, () -> AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "partial");
            throw new IOException("disk full");
        }));
        assertArrayEquals("old".getBytes(), Files.readAllBytes(target));
        assertNoTemporaryFiles();
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")));
        }
    }
}
