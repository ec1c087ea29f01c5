package io.tilewise.reorder;

import io.tilewise.attention.testkit.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Issue 21, item 2: {@code paro:plan=FILE} naming a FIFO blocked forever; a FIFO or a device is now refused at once. */
class ParoPlanFileSpecialFilesTest {

    @TempDir
    Path dir;

    @Test
    void aFifoOrADeviceIsNotAPlan() throws Exception {
        Path fifo = SpecialFiles.fifo(dir.resolve("plan.paro"));
        assertEquals("paro plan " + fifo + " is a FIFO (named pipe), not a regular file", refusal(fifo));
        Path zero = SpecialFiles.devZero(dir.resolve("zero.paro"));
        assertEquals("paro plan " + zero + " is a character device, not a regular file", refusal(zero));
    }

    private static String refusal(Path plan) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(plan))).getMessage();
    }
}
