package io.tilewise.examples;

import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example runs end to end on a random-weight model of the bundled architecture and writes two MP4s into a new folder. */
class MediaAppExampleTest {

    @TempDir
    Path dir;

    @Test
    void writesTwoClips() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 3);
        Path out = dir.resolve("clips");   // not there yet: the example creates it, as a fresh clone has no out/
        MediaAppExample.main(new String[] {model.toString(), out.toString(), "2"});
        for (int i = 0; i < 2; i++) {
            Path clip = out.resolve("clip-" + i + ".mp4");
            assertTrue(Files.size(clip) > 0, clip + " written");
        }
    }
}
