package io.tilewise.cli;

import io.tilewise.pipeline.io.Mp4Writer;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, the items only a separate JVM shows: a long command line (item 1), an MP4 onto a full disk (item 5),
 * Ctrl-C/SIGTERM during a streamed MP4 and ORT's temporary folder (item 6), the encoder under a small heap
 * (item 8) and libx264's banner (item 13). Each child runs {@link Main} on this test's class path with its own
 * {@code java.io.tmpdir}, so that what it leaves there is visible.
 */
class ChildJvmHardeningTest {

    @TempDir
    Path dir;
    private Path tmp;
    private Path out;

    @BeforeEach
    void folders() throws IOException {
        tmp = Files.createDirectories(dir.resolve("tmp"));
        out = Files.createDirectories(dir.resolve("out"));
    }

    /** Item 1: a 120,000-character prompt and 600 KB of JVM options crashed ORT's start-up (SIGSEGV, exit 139). */
    @Test
    void anyArgumentLengthRuns() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(1), 5);
        String longText = "x".repeat(120_000); // Linux caps one argument at 128 KiB
        List<String> jvm = new ArrayList<>();
        for (int i = 0; i < 5; i++) jvm.add("-Dtilewise.test.padding" + i + "=" + longText);
        Path png = out.resolve("long.png");
        Result r = run(jvm, List.of("generate", "--model", model.toString(), "--prompt", "a red circle " + longText,
                "--frames", "1", "--height", "16", "--width", "16", "--steps", "1", "--out", png.toString()), 300);
        assertEquals(0, r.exit, r.err);
        assertTrue(Files.size(png) > 0);
        assertTrue(r.err.length() < 2000 && r.err.contains("warning:"), "the unknown word is named, cut: " + r.err.length() + " characters");
    }

    /**
     * Items 6, 8, 13: an MP4 under a 16 MiB heap (JavaCPP's default cap of 4x the heap on the whole process's memory
     * killed the encoder with a 39-line trace), with no libx264 banner on stderr, and nothing left in the temporary
     * folder afterwards (ORT left its extraction folder behind on every run).
     */
    @Test
    void mp4UnderASmallHeapIsQuietAndLeavesNoTemporaries() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(1), 5);
        Path mp4 = out.resolve("clip.mp4");
        Result r = run(List.of("-Xmx16m"), List.of("generate", "--model", model.toString(), "--prompt", "a red circle",
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "1", "--out", mp4.toString()), 300);
        assertEquals(0, r.exit, r.err);
        assertEquals("", r.err, "nothing on stderr: no encoder banner");
        assertTrue(r.out.contains("wrote " + mp4), r.out);
        assertEquals("ftyp", new String(Arrays.copyOfRange(Files.readAllBytes(mp4), 4, 8)));
        assertEquals(List.of(), list(tmp), "temporary folder after the run");
        assertEquals(List.of("clip.mp4"), list(out));
    }

    /** Item 6: SIGTERM (as Ctrl-C) while a streamed MP4 is being written leaves neither output nor temporaries. */
    @Test
    void sigtermDuringAStreamedMp4LeavesNothing() throws Exception {
        ModelConfig c = TinyModels.small(1);
        ModelConfig causal = new ModelConfig(c.architecture(), "tiny-random-causal", c.hidden(), c.heads(), c.blocks(), c.mlpRatio(),
                c.patch(), c.channels(), c.freqDim(), c.ropeAxes(), c.ropeTheta(), c.text(), 1, c.defaults(), c.trainedFor());
        Path model = TinyModels.write(dir.resolve("causal"), causal, 5);
        Path mp4 = out.resolve("stream.mp4");
        Process child = start(List.of(), List.of("generate", "--model", model.toString(), "--prompt", "a red circle",
                "--frames", "2", "--height", "16", "--width", "16", "--steps", "1000000", "--stream", "--out", mp4.toString()),
                dir.resolve("child.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            // the hidden .part exists from the first chunk on, and ORT's folder from start-up
            while (list(out).isEmpty() || list(tmp).isEmpty()) {
                assertTrue(child.isAlive(), () -> "ended early: " + read(dir.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "no temporary file appeared");
                Thread.sleep(100);
            }
            assertTrue(list(out).getFirst().startsWith(".stream.mp4.tw"), list(out).toString());
        } finally {
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(143, child.exitValue(), "ended by SIGTERM");
        assertEquals(List.of(), list(out), "no output, no .part");
        assertEquals(List.of(), list(tmp), "ORT's folder removed at shutdown");
    }

    /**
     * Item 5: an MP4 onto a full disk (here: a 64 KiB file-size limit, {@code ulimit -f}) exited 0, said "wrote",
     * and replaced a good MP4 with 24 KB without a moov box. Now it fails in one line and the old file stays.
     */
    @Test
    void mp4OntoAFullDiskFailsAndKeepsTheOldFile() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(1), 5);
        Path mp4 = out.resolve("clip.mp4");
        Mp4Writer.write(new Video(1, 16, 16, new float[16 * 16 * 3]), mp4, 8); // the good file; natives now cached
        byte[] good = Files.readAllBytes(mp4);
        Path natives = ortNatives();
        Result r = run(List.of("-Donnxruntime.native.path=" + natives), List.of("generate", "--model", model.toString(),
                "--prompt", "a red circle", "--frames", "16", "--height", "16", "--width", "16", "--steps", "1",
                "--scale", "16", "--out", mp4.toString()), 300, "ulimit -f 64");
        assertEquals(2, r.exit, r.err);
        String[] lines = r.err.strip().split("\\R");
        assertEquals(1, lines.length, r.err);
        assertTrue(lines[0].startsWith("tilewise generate: cannot write " + mp4 + ": "), lines[0]);
        assertFalse(r.out.contains("wrote"), r.out);
        assertArrayEquals(good, Files.readAllBytes(mp4), "the old MP4 is untouched");
        assertEquals(List.of("clip.mp4"), list(out));
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(List<String> jvm, List<String> args, int seconds, String... shellPrefix) throws Exception {
        Path log = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Process p = start(jvm, args, log, err, shellPrefix);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish in " + seconds + " s: " + read(err));
        }
        // the JVM's own notice, which the launcher filters (scripts/stderr-filter)
        String stderr = read(err).lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
        return new Result(p.exitValue(), read(log), stderr);
    }

    private Process start(List<String> jvm, List<String> args, Path log) throws IOException {
        return start(jvm, args, log, log);
    }

    /** {@code java [jvm] Main [args]} with this test's class path, its own tmpdir; through bash when a prefix is given. */
    private Process start(List<String> jvm, List<String> args, Path stdout, Path stderr, String... shellPrefix) throws IOException {
        List<String> command = new ArrayList<>();
        if (shellPrefix.length > 0) command.addAll(List.of("bash", "-c", String.join(" && ", shellPrefix) + " && exec \"$@\"", "bash"));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-XX:-UsePerfData", "-Djava.io.tmpdir=" + tmp, "-Dorg.bytedeco.javacpp.cachedir=" + javacppCache()));
        command.addAll(jvm);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (stdout.equals(stderr)) builder.redirectErrorStream(true).redirectOutput(stdout.toFile());
        else builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        return builder.start();
    }

    /** Where this JVM's JavaCPP unpacks FFmpeg: the child reuses it instead of writing 100 MB under a file-size limit. */
    private static Path javacppCache() {
        String set = System.getProperty("org.bytedeco.javacpp.cachedir");
        return set != null ? Path.of(set) : Path.of(System.getProperty("user.home"), ".javacpp", "cache");
    }

    /** ORT's native libraries copied out of its jar, so that the file-size-limited child need not extract them. */
    private Path ortNatives() throws IOException {
        Path natives = Files.createDirectories(dir.resolve("ort-natives"));
        for (String lib : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
            try (InputStream in = ai.onnxruntime.OrtEnvironment.class.getResourceAsStream("/ai/onnxruntime/native/linux-x64/" + lib)) {
                assertTrue(in != null, lib);
                Files.copy(in, natives.resolve(lib), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return natives;
    }

    private static List<String> list(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
