package io.tilewise.training;

import io.tilewise.pipeline.quality.ClipAnalyzer;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.run.Video;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The adherence reader inference uses reads the training data's own clips (ground truth known) correctly. */
class ClipAnalyzerOnTrainingDataTest {

    @Test
    void readsTheGroundTruthClipsCorrectly() {
        SyntheticVideos data = new SyntheticVideos(11);
        for (int i = 0; i < 40; i++) {
            int frames = i % 4 == 0 ? 1 : 8;
            SyntheticVideos.Clip clip = data.sample(i, frames, 32, 32);
            ClipReading r = ClipAnalyzer.read(Video.fromChannelsFirst(clip.pixels(), frames, 32, 32));
            SyntheticVideos.Scene s = clip.scene();
            assertEquals(s.background(), r.background(), clip.prompt());
            assertEquals(s.color(), r.color(), clip.prompt());
            assertEquals(s.direction(), r.direction(), clip.prompt());
        }
    }
}
