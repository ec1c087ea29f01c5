package io.tilewise.cli;

import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.quality.PromptSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tilewise generate} and {@code tilewise models} on a 2-block random-weight model of the bundled architecture. */
class GenerateCommandTest {

    @TempDir
    Path dir;

    @Test
    void generatesAnImageAndAGifWithAPolicyAndReportsTimes() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path png = dir.resolve("image.png");
        CliRun image = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle on a black background",
                "--frames", "1", "--height", "16", "--width", "16", "--steps", "2", "--out", png.toString());
        assertEquals(0, image.exitCode(), image.err());
        BufferedImage frame = ImageIO.read(png.toFile());
        assertEquals(16, frame.getWidth());
        Path big = dir.resolve("big.png");
        CliRun scaled = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle on a black background",
                "--frames", "1", "--height", "16", "--width", "16", "--steps", "2", "--scale", "3", "--out", big.toString());
        assertEquals(0, scaled.exitCode(), scaled.err());
        BufferedImage large = ImageIO.read(big.toFile());
        assertEquals(48, large.getWidth());
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 48; x++) assertEquals(frame.getRGB(x / 3, y / 3), large.getRGB(x, y), "pixel " + x + "," + y);
        }
        assertTrue(image.out().contains("16 video tokens") && image.out().contains("attention"), image.out());

        Path gif = dir.resolve("clip.gif");
        CliRun clip = CliRun.of("generate", "--model", model.toString(), "--prompt", "a blue square moving left on a gray background",
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "2", "--seed", "3",
                "--attention", "dense@steps<1;radial:decay=1.0,block=16", "--out", gif.toString());
        assertEquals(0, clip.exitCode(), clip.err());
        assertNotNull(ImageIO.read(gif.toFile()));
        assertTrue(clip.out().contains("policy dense@step<1;radial"), clip.out());
    }

    @Test
    void sameSeedGivesTheSameFile() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        byte[][] files = new byte[2][];
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("same" + i + ".png");
            CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "1",
                    "--height", "16", "--width", "16", "--steps", "2", "--seed", "9", "--out", out.toString());
            assertEquals(0, run.exitCode(), run.err());
            files[i] = Files.readAllBytes(out);
        }
        assertArrayEquals(files[0], files[1]);
    }

    @Test
    void userMistakesAreOneLineAndLeaveNoFile() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path out = dir.resolve("x.mp4");
        String[][] cases = {
                {"--model", dir.resolve("missing").toString(), "--prompt", "a"},
                {"--model", model.toString(), "--prompt", "a", "--attention", "radial:decay=-1"},
                {"--model", model.toString(), "--prompt", "a", "--height", "15"},
                {"--model", model.toString(), "--prompt", "a", "--scale", "17"},
                {"--model", model.toString(), "--prompt", "a", "--scale", "0"},
                {"--model", model.toString(), "--prompt", "a", "--out", dir.resolve("x.avi").toString()},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "generate";
            System.arraycopy(c, 0, args, 1, c.length);
            args[c.length + 1] = "--out";
            args[c.length + 2] = c[c.length - 2].equals("--out") ? c[c.length - 1] : out.toString();
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + "\n" + run.err());
            assertEquals(1, run.errLines().length, run.err());
            assertTrue(run.err().startsWith("tilewise generate: "), run.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void unknownPromptWordsWarnAndStillGenerate() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path out = dir.resolve("w.png");
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a chartreuse dodecahedron",
                "--frames", "1", "--height", "16", "--width", "16", "--steps", "1", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("warning") && run.err().contains("chartreuse"), run.err());
        // said once, though the command, the pipeline's log and the result all carry it
        assertEquals(1, java.util.Arrays.stream(run.errLines()).filter(l -> l.contains("chartreuse")).count(), run.err());
        assertTrue(Files.exists(out));
        // the CLI did not silence the library's logger for whoever runs in this JVM next
        assertTrue(java.util.logging.Logger.getLogger(io.tilewise.pipeline.run.Pipeline.class.getName())
                .isLoggable(java.util.logging.Level.WARNING));
        assertTrue(java.util.logging.Logger.getLogger("io.tilewise").getUseParentHandlers());
    }

    @Test
    void adherenceRunsThePromptSetAndWritesJson() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path json = dir.resolve("adherence.json");
        CliRun run = CliRun.of("adherence", "--model", model.toString(), "--limit", "2", "--steps", "1", "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("adherence ") && run.out().contains("/2)"), run.out());
        assertTrue(Files.readString(json).contains("\"rows\""));
        assertTrue(run.out().contains("; prompts standard"), run.out());
        assertTrue(Files.readString(json).contains("\"prompts\" : \"standard\""), Files.readString(json));
    }

    @Test
    void adherenceRunsTheHeldOutSetWhenAsked() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path json = dir.resolve("held-out.json");
        CliRun run = CliRun.of("adherence", "--model", model.toString(), "--prompts", "held-out", "--limit", "1", "--steps", "1",
                "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith(PromptSet.heldOut().getFirst().prompt()), run.out());
        assertTrue(run.out().contains("/1)") && run.out().contains("; prompts held-out"), run.out());
        assertTrue(Files.readString(json).contains("\"prompts\" : \"held-out\"") && Files.readString(json).contains("\"fill\""), Files.readString(json));
    }
}
