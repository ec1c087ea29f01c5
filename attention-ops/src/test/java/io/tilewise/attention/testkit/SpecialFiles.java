package io.tilewise.attention.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files that are not regular files, for tests of input checks: a FIFO (opening it for reading blocks until a writer
 * comes) and a symlink to a device such as {@code /dev/zero} (size 0, endless).
 */
public final class SpecialFiles {

    private SpecialFiles() {
    }

    /** A named pipe at {@code path}, made with {@code mkfifo}; nothing ever writes to it. */
    public static Path fifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo " + path);
        assertTrue(Files.exists(path) && !Files.isRegularFile(path), "a FIFO at " + path);
        return path;
    }

    /** A symlink at {@code path} to {@code /dev/zero}: reading it never ends. */
    public static Path devZero(Path path) throws IOException {
        return Files.createSymbolicLink(path, Path.of("/dev/zero"));
    }
}
