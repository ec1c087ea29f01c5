package io.tilewise.examples;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming example runs end to end on a random block-causal model and writes its MP4. */
class StreamingExampleTest {

    @TempDir
    Path dir;

    @Test
    void streamsAClipLongerThanTheModelsDefault() throws Exception {
        ModelConfig c = TinyModels.small(2);
        ModelConfig causal = new ModelConfig(c.architecture(), "tiny-random-causal", c.hidden(), c.heads(), c.blocks(), c.mlpRatio(),
                c.patch(), c.channels(), c.freqDim(), c.ropeAxes(), c.ropeTheta(), c.text(), 1, c.defaults(), c.trainedFor());
        Path model = TinyModels.write(dir.resolve("causal"), causal, 3);
        Path clip = dir.resolve("stream.mp4");
        StreamingExample.main(new String[] {model.toString(), clip.toString(), "5", "2"});
        assertTrue(Files.size(clip) > 0, clip + " written");
    }
}
