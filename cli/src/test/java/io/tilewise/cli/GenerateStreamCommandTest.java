package io.tilewise.cli;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tilewise generate --stream} on a random block-causal model (chunks of 1 frame). */
class GenerateStreamCommandTest {

    @TempDir
    Path dir;

    private Path causalModel() {
        ModelConfig c = TinyModels.small(2);
        ModelConfig causal = new ModelConfig(c.architecture(), "tiny-random-causal", c.hidden(), c.heads(), c.blocks(), c.mlpRatio(),
                c.patch(), c.channels(), c.freqDim(), c.ropeAxes(), c.ropeTheta(), c.text(), 1, c.defaults(), c.trainedFor());
        return TinyModels.write(dir.resolve("causal"), causal, 5);
    }

    @Test
    void streamsChunksIntoAnMp4AndReportsTheFirstChunk() throws Exception {
        Path mp4 = dir.resolve("stream.mp4");
        CliRun run = CliRun.of("generate", "--model", causalModel().toString(), "--prompt", "a red circle moving right on a black background",
                "--frames", "6", "--height", "16", "--width", "16", "--steps", "2", "--stream", "--window", "2",
                "--attention", "flashblock:tau=2", "--out", mp4.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("stream: first chunk (1 frames) after"), run.out());
        assertTrue(run.out().contains("policy flashblock:tau=2"), run.out());
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(mp4), 12);
        assertEquals("ftyp", new String(head, 4, 4, StandardCharsets.US_ASCII));
        Path gif = dir.resolve("stream.gif");
        CliRun other = CliRun.of("generate", "--model", causalModel().toString(), "--prompt", "a red circle",
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "1", "--stream", "--out", gif.toString());
        assertEquals(0, other.exitCode(), other.err());
        assertTrue(Files.exists(gif));
    }

    @Test
    void streamingABidirectionalModelIsAOneLineError() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path out = dir.resolve("x.mp4");
        for (String[] extra : new String[][] {{"--stream"}, {"--attention", "flashblock:tau=2"}, {"--stream", "--window", "-1"}}) {
            String[] args = new String[13 + extra.length];
            String[] base = {"generate", "--model", model.toString(), "--prompt", "a", "--frames", "2", "--height", "16", "--width", "16"};
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(extra, 0, args, base.length, extra.length);
            args[base.length + extra.length] = "--out";
            args[base.length + extra.length + 1] = out.toString();
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run.err());
            assertEquals(1, run.errLines().length, run.err());
            assertFalse(Files.exists(out));
        }
    }
}
