package io.tilewise.cli;

import io.tilewise.attention.io.AtomicFiles;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A killed run loses nothing and leaves no partial output (issue 9): {@code SIGKILL} a child JVM running
 * {@code tilewise generate}, and one killed in the middle of writing its output file. Temporary files are named
 * {@code .NAME.twPID.N.part} and a dead writer's are deleted by the next write of the same target
 * ({@link AtomicFiles}).
 */
class KilledRunsTest {

    @TempDir
    Path dir;

    /** SIGKILL during the denoising loop: no output file and nothing else in the output folder. */
    @Test
    void killedGenerateLeavesNoOutput() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(2), 5);
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Path out = outDir.resolve("clip.gif");
        Path log = dir.resolve("child.log");
        Process child = java(log, Main.class.getName(), "generate", "--model", model.toString(), "--prompt", "a red circle",
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "1000000", "--threads", "1", "--out", out.toString());
        try {
            // Model built and steps running: a million steps cannot finish, so any time after start-up is mid-run.
            Duration busy = Duration.ofSeconds(4);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (child.isAlive() && child.info().totalCpuDuration().orElse(Duration.ZERO).compareTo(busy) < 0) {
                assertTrue(System.nanoTime() < deadline, "child did not get going");
                Thread.sleep(100);
            }
            assertTrue(child.isAlive(), () -> "generate ended early: " + read(log));
        } finally {
            child.destroyForcibly(); // SIGKILL on Unix
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertEquals(List.of(), list(outDir), "nothing written");
    }

    /** SIGKILL while the output file is half written: no target, an obvious temporary, removed by the next write. */
    @Test
    void killedWriteLeavesOnlyANamedTemporaryThatTheNextWriteRemoves() throws Exception {
        Path target = dir.resolve("clip.png");
        Process child = java(null, SlowWriteMain.class.getName(), target.toString());
        String temporary;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            assertTrue(line != null && line.startsWith("WRITING "), "child said " + line);
            temporary = line.substring("WRITING ".length());
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(target), "no partial output under the target's name");
        assertEquals(List.of(temporary), list(dir));
        assertTrue(temporary.matches("\\.clip\\.png\\.tw" + child.pid() + "\\.\\d+\\.part"), temporary);

        // A temporary of a live process (this one) is left alone; the dead child's goes with the next write.
        Path live = Files.writeString(dir.resolve(".clip.png.tw" + ProcessHandle.current().pid() + ".1.part"), "busy");
        Path other = Files.writeString(dir.resolve(".other.png.tw" + child.pid() + ".1.part"), "another target");
        AtomicFiles.writeString(target, "done");
        assertEquals("done", Files.readString(target));
        assertEquals(List.of(live.getFileName().toString(), other.getFileName().toString(), "clip.png"), list(dir));
    }

    /** A child JVM on this test's class path; stdout and stderr go to {@code log}, or stdout to a pipe when null. */
    private static Process java(Path log, String main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx256m", "-cp", System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        if (log == null) builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        else builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<String> list(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
