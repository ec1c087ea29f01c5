package io.tilewise.attention.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, item 6: a PNG sequence killed mid-write left 13 of 16 frames. Sets of files are now written into a
 * hidden folder and renamed at the end ({@link AtomicFiles#writeAll}); temporaries go at SIGTERM
 * ({@link TemporaryFiles}); ORT's stale extraction folders are removed ({@link OrtTemporaryFiles}).
 */
class AtomicSetsTest {

    @TempDir
    Path dir;

    @Test
    void aSetAppearsWhole() throws IOException {
        List<Path> targets = targets(dir.resolve("clip"), 4);
        AtomicFiles.writeAll(targets, folder -> {
            for (Path t : targets) Files.writeString(folder.resolve(t.getFileName().toString()), t.getFileName().toString());
        });
        assertEquals(List.of("clip_0000.png", "clip_0001.png", "clip_0002.png", "clip_0003.png"), list(dir));
        assertEquals("clip_0002.png", Files.readString(targets.get(2)));
    }

    @Test
    void aFailedSetLeavesNothing() {
        List<Path> targets = targets(dir.resolve("clip"), 4);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeAll(targets, folder -> {
            Files.writeString(folder.resolve("clip_0000.png"), "x");
            throw new IOException(folder.resolve("clip_0001.png") + ": No space left on device");
        }));
        assertEquals(dir.resolve("clip_0001.png") + ": No space left on device", e.getMessage(), "names the real path");
        assertEquals(List.of(), list(dir));
        assertThrows(IOException.class, () -> AtomicFiles.writeAll(targets, folder -> { }), "a file not written is an error");
        assertEquals(List.of(), list(dir));
    }

    /** SIGKILL mid-set: no frame under its name, one hidden folder, removed by the next write of the set. */
    @Test
    void aKilledSetLeavesOnlyAHiddenFolderThatTheNextWriteRemoves() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), SlowSetWriteMain.class.getName(), dir.resolve("clip").toString(), "16")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String folder;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            assertTrue(line != null && line.startsWith("WRITING "), "child said " + line);
            folder = line.substring("WRITING ".length());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(List.of(folder), list(dir), "12 of 16 frames written, none under its name");
        assertTrue(folder.matches("\\.clip_0000\\.png\\.tw" + child.pid() + "\\.\\d+\\.part"), folder);
        List<Path> targets = targets(dir.resolve("clip"), 2);
        AtomicFiles.writeAll(targets, f -> {
            for (Path t : targets) Files.writeString(f.resolve(t.getFileName().toString()), "ok");
        });
        assertEquals(List.of("clip_0000.png", "clip_0001.png"), list(dir));
    }

    @Test
    void staleOrtFoldersOfThisUserAreRemovedFreshOnesKept() throws IOException {
        Path old = Files.createDirectory(dir.resolve("onnxruntime-java123"));
        Files.write(old.resolve("libonnxruntime.so"), new byte[10]);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path fresh = Files.createDirectory(dir.resolve("onnxruntime-java456"));
        Path mine = Files.createDirectory(dir.resolve("onnxruntime-java789"));
        Files.setLastModifiedTime(mine, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path other = Files.createDirectory(dir.resolve("something-else"));
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        assertEquals(1, OrtTemporaryFiles.removeStale(dir, mine, Instant.now().minus(OrtTemporaryFiles.STALE_AFTER)));
        assertEquals(List.of("onnxruntime-java456", "onnxruntime-java789", "something-else"), list(dir));
        assertTrue(Files.isDirectory(fresh));
    }

    private static List<Path> targets(Path stem, int count) {
        List<Path> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) targets.add(Path.of(String.format("%s_%04d.png", stem, i)));
        return targets;
    }

    private static List<String> list(Path folder) {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
