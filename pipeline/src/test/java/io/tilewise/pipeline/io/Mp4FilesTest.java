package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, item 5: an MP4 cut short (a full disk: 24 KB without its moov box) must never replace the target;
 * {@link Mp4Files#requireComplete} accepts what the encoder writes whole and refuses every truncation of it.
 */
class Mp4FilesTest {

    @TempDir
    Path dir;

    @Test
    void aWholeFilePassesEveryTruncationIsRefused() throws IOException {
        float[] rgb = new float[4 * 32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (float) Math.abs(Math.sin(i * 0.37));
        Path mp4 = dir.resolve("whole.mp4");
        Mp4Writer.write(new Video(4, 32, 32, rgb), mp4, 8);
        Mp4Files.requireComplete(mp4);
        byte[] whole = Files.readAllBytes(mp4);
        for (int cut : new int[] {0, 4, 8, 12, whole.length / 4, whole.length / 2, whole.length - 100, whole.length - 1}) {
            Path part = Files.write(dir.resolve("cut" + cut + ".mp4"), Arrays.copyOf(whole, cut));
            IOException e = assertThrows(IOException.class, () -> Mp4Files.requireComplete(part), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("the encoder wrote an incomplete MP4 ("), e.getMessage());
        }
    }
}
