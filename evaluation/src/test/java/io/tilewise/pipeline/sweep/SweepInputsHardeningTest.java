package io.tilewise.pipeline.sweep;

import io.tilewise.attention.testkit.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21: a sweep file nested more than 1,000 deep gave a NullPointerException (item 4); a sweep file, a captured
 * {@code shapes[].q} or a {@code "model"}'s config that is a FIFO blocked forever (item 2).
 */
class SweepInputsHardeningTest {

    private static final Duration AT_ONCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void deepNestingIsOneLineNotANullPointerException() {
        String deep = "{\"methods\": " + "[".repeat(1500) + "]".repeat(1500) + "}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpecReader.parse(deep, "deep.json", dir));
        assertTrue(e.getMessage().startsWith("deep.json is not valid JSON: ") && e.getMessage().contains("nesting depth"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aSpecThatIsAFifoOrADeviceIsRefusedAtOnce() throws Exception {
        Path fifo = SpecialFiles.fifo(dir.resolve("sweep.json"));
        String f = assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(IllegalArgumentException.class,
                () -> SweepSpecReader.read(fifo))).getMessage();
        assertEquals("--spec " + fifo + " is a FIFO (named pipe), not a regular file", f);
        Path zero = SpecialFiles.devZero(dir.resolve("zero.json"));
        String z = assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(IllegalArgumentException.class,
                () -> SweepSpecReader.read(zero))).getMessage();
        assertEquals("--spec " + zero + " is a character device, not a regular file", z);
    }

    @Test
    void resultsThatAreAFifoAreRefusedAtOnce() throws Exception {
        Path results = SpecialFiles.fifo(dir.resolve("results.jsonl"));
        for (org.junit.jupiter.api.function.Executable read : new org.junit.jupiter.api.function.Executable[] {
                () -> SweepLog.read(results), () -> SweepLog.open(results).close()}) {
            String m = assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(java.io.UncheckedIOException.class, read)).getMessage();
            assertTrue(m.contains("sweep results " + results + " is a FIFO (named pipe), not a regular file"), m);
        }
    }

    @Test
    void capturedInputsThatAreAFifoAreRefusedAtOnce() throws Exception {
        SpecialFiles.fifo(dir.resolve("q.npy"));
        SpecialFiles.fifo(dir.resolve("k.npy"));
        SpecialFiles.fifo(dir.resolve("v.npy"));
        Files.writeString(dir.resolve("sweep.json"), """
                {"level": "attention", "methods": [{"method": "dense"}],
                 "shapes": [{"grid": "2x8x8", "heads": 2, "head_dim": 16, "q": "q.npy", "k": "k.npy", "v": "v.npy"}]}
                """);
        SweepSpec spec = SweepSpecReader.read(dir.resolve("sweep.json"));
        // Before: the cell blocked forever opening q.npy. Now the cell is recorded with the reason, at once.
        SweepRunner.Outcome outcome = assertTimeoutPreemptively(AT_ONCE, () -> {
            try (Sweep sweep = Sweep.attention(spec)) {
                return SweepRunner.run(sweep, "{}", dir.resolve("out"), false, new SweepRunner.Listener() { });
            }
        });
        String message = outcome.lines().values().toString();
        assertTrue(message.contains(dir.resolve("q.npy").toString()) && message.contains("FIFO"), message);
    }
}
