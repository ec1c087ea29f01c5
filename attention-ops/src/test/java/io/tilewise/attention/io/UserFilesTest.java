package io.tilewise.attention.io;

import io.tilewise.attention.testkit.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UserFiles}: only regular files are opened, and whole-file reads stop at their bound (issue 21, item 2).
 * Every refusal must come at once: a FIFO that were opened would block the test until its timeout.
 */
class UserFilesTest {

    private static final Duration AT_ONCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aFifoIsRefusedByNameWithoutOpeningIt() throws Exception {
        Path fifo = SpecialFiles.fifo(dir.resolve("config.json"));
        for (ThrowingRead read : reads()) {
            UserFileException e = assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(UserFileException.class, () -> read.run(fifo)));
            assertEquals("model config " + fifo + " is a FIFO (named pipe), not a regular file", e.getMessage());
        }
    }

    @Test
    void aSymlinkToADeviceIsRefusedWithoutReadingIt() throws Exception {
        Path zero = SpecialFiles.devZero(dir.resolve("config.json"));
        for (ThrowingRead read : reads()) {
            UserFileException e = assertTimeoutPreemptively(AT_ONCE, () -> assertThrows(UserFileException.class, () -> read.run(zero)));
            assertEquals("model config " + zero + " is a character device, not a regular file", e.getMessage());
        }
    }

    @Test
    void aDirectoryAndAMissingFileAreNamedForWhatTheyAre() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("weights.safetensors"));
        assertEquals("model config " + sub + " is a directory, not a regular file",
                assertThrows(UserFileException.class, () -> UserFiles.requireRegularFile(sub, "model config")).getMessage());
        Path missing = dir.resolve("gone.json");
        assertEquals("model config " + missing + " does not exist",
                assertThrows(UserFileException.class, () -> UserFiles.readBytes(missing, "model config", 10)).getMessage());
    }

    @Test
    void regularFilesAndSymlinksToThemAreReadUpToTheBound() throws Exception {
        Path file = Files.write(dir.resolve("a.bin"), new byte[] {1, 2, 3, 4, 5});
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), file);
        assertEquals(5, UserFiles.requireRegularFile(link, "x"));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, UserFiles.readBytes(link, "x", 5));
        UserFileException big = assertThrows(UserFileException.class, () -> UserFiles.readBytes(file, "--spec", 4));
        assertEquals("--spec " + file + " has 5 bytes, over the limit of 4", big.getMessage());
        try (FileChannel channel = UserFiles.openChannel(link, "x")) {
            assertEquals(5, channel.size());
        }
    }

    @Test
    void aStreamFailsPastItsBoundWhateverTheFileSaidAtTheCheck() throws Exception {
        Path file = Files.write(dir.resolve("grows.bin"), new byte[8]);
        try (InputStream in = UserFiles.newInputStream(file, "plan", 8)) {
            Files.write(file, new byte[16]); // replaced while open: the stream still stops at 8
            assertEquals(8, in.readNBytes(8).length);
            UserFileException e = assertThrows(UserFileException.class, in::read);
            assertTrue(e.getMessage().contains("gave more than 8 bytes"), e.getMessage());
        }
    }

    @Test
    void textMustBeStrictUtf8() throws Exception {
        Path file = Files.write(dir.resolve("bad.json"), new byte[] {'{', (byte) 0xff, '}'});
        assertEquals("--spec " + file + " is not valid UTF-8",
                assertThrows(UserFileException.class, () -> UserFiles.readUtf8(file, "--spec", 100)).getMessage());
        assertEquals("{é}", UserFiles.readUtf8(Files.writeString(dir.resolve("ok.json"), "{é}"), "--spec", 100));
    }

    @FunctionalInterface
    private interface ThrowingRead {
        void run(Path path) throws IOException;
    }

    private static ThrowingRead[] reads() {
        return new ThrowingRead[] {
                p -> UserFiles.requireRegularFile(p, "model config"),
                p -> UserFiles.readBytes(p, "model config", 1 << 20),
                p -> UserFiles.readUtf8(p, "model config", 1 << 20),
                p -> UserFiles.newInputStream(p, "model config", 1 << 20).close(),
                p -> UserFiles.openChannel(p, "model config").close(),
        };
    }
}
