package io.tilewise.pipeline.run;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The model-family redesign (one step loop for full and streamed generation, the tiny DiT behind the family
 * interface) changed no arithmetic: the bundled models give the same clips, bit for bit, as the code before it. The
 * expected frames under {@code snapshots/} were written by the pre-redesign pipeline (commit d6c6d55) with these
 * exact requests; they are a regression record, not an independent reference (the references are
 * {@code PipelineTest} and {@code StreamingPipelineTest}).
 */
class SameClipsAsBeforeTest {

    private static final String PROMPT = "a red circle moving right on a blue background";
    private static final Path TINY = Path.of("..", "models", "tiny-t2v");
    private static final Path CAUSAL = Path.of("..", "models", "tiny-t2v-causal");

    @Test
    void bundledModelFullClips() throws IOException {
        try (Pipeline p = Pipeline.open(TINY, new Pipeline.Options(2, null))) {
            assertSame("full-dense", p.generate(new GenerationRequest(PROMPT, 4, 32, 32, 3, 4.0, 3.0, 7, "dense")).video());
            assertSame("full-policy", p.generate(new GenerationRequest(PROMPT, 4, 32, 32, 3, 4.0, 3.0, 7,
                    "dense@steps<1;cache(tau=2):pisa:density=0.25")).video());
        }
    }

    @Test
    void causalModelFullAndStreamed() throws IOException {
        try (Pipeline p = Pipeline.open(CAUSAL, new Pipeline.Options(2, null))) {
            assertSame("causal-full", p.generate(new GenerationRequest(PROMPT, 8, 32, 32, 3, 4.0, 3.0, 11,
                    "radial:decay=0.2,block=16")).video());
            assertSame("causal-stream", p.generateStreaming(new GenerationRequest(PROMPT, 8, 32, 32, 3, 4.0, 3.0, 11,
                    "flashblock:tau=2"), new StreamOptions(1), null, null).video());
        }
    }

    private static void assertSame(String name, Video video) throws IOException {
        var url = SameClipsAsBeforeTest.class.getResource("/snapshots/" + name + ".npy");
        assertNotNull(url, name);
        NpyArray expected = Npy.read(Path.of(java.net.URI.create(url.toString())));
        assertArrayEquals(expected.shape(), new int[] {video.frames(), video.height(), video.width(), 3}, name);
        assertArrayEquals(expected.data(), video.rgb(), name + " differs from the pre-redesign clip");
    }
}
