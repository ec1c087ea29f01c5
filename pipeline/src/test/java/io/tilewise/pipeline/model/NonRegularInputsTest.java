package io.tilewise.pipeline.model;

import io.tilewise.attention.testkit.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Issue 21, item 2: a model folder whose {@code config.json} is a FIFO blocked forever, one that is a symlink to
 * {@code /dev/zero} read until OutOfMemoryError, and weights that were a FIFO, a device or a folder were said not
 * to exist. Each is now one line naming what the file is, at once.
 */
class NonRegularInputsTest {

    private static final Duration AT_ONCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aConfigThatIsAFifoOrADeviceIsRefusedAtOnce() throws Exception {
        Path fifoModel = Files.createDirectory(dir.resolve("fifo"));
        Path fifo = SpecialFiles.fifo(fifoModel.resolve("config.json"));
        assertEquals("model config " + fifo + " is a FIFO (named pipe), not a regular file", refusal(fifoModel));
        for (String device : new String[] {"/dev/zero", "/dev/urandom"}) {
            Path model = Files.createDirectory(dir.resolve(device.substring(5)));
            Path link = Files.createSymbolicLink(model.resolve("config.json"), Path.of(device));
            assertEquals("model config " + link + " is a character device, not a regular file", refusal(model));
        }
    }

    @Test
    void weightsThatAreNotAFileSayWhatTheyAre() throws Exception {
        for (String kind : new String[] {"fifo", "device", "directory"}) {
            Path model = TinyModels.write(dir.resolve(kind), TinyModels.small(1), 1);
            Path weights = model.resolve(ModelDirectory.WEIGHTS);
            Files.delete(weights);
            String expected = switch (kind) {
                case "fifo" -> {
                    SpecialFiles.fifo(weights);
                    yield "a FIFO (named pipe)";
                }
                case "device" -> {
                    SpecialFiles.devZero(weights);
                    yield "a character device";
                }
                default -> {
                    Files.createDirectory(weights);
                    yield "a directory";
                }
            };
            assertEquals("model weights " + weights + " is " + expected + ", not a regular file", refusal(model));
            if (!kind.equals("directory")) {
                String open = assertTimeoutPreemptively(AT_ONCE,
                        () -> assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(weights))).getMessage();
                assertEquals("safetensors file " + weights + " is " + expected + ", not a regular file", open);
            }
        }
    }

    private static String refusal(Path model) {
        return assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(ModelFormatException.class, () -> ModelDirectory.load(model)))
                .getMessage();
    }
}
