package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21 ("hardening, round 2"): what a hostile user broke, each now one line and exit 2 (or, for NaN inputs
 * to {@code tilewise attention}, a warning), at once and before any generation.
 */
class HostileUseTest {

    private static final Duration AT_ONCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Path model;

    @BeforeEach
    void model() {
        model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
    }

    // item 2: FIFOs and devices as inputs of every command that reads files

    @Test
    void fifosAndDevicesAreRefusedByEveryCommandAtOnce() throws Exception {
        Path fifo = fifo(dir.resolve("pipe"));
        Path zero = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
        AttentionCommandTest.Inputs.write(dir, 1, new int[] {1, 1, 16, 8});
        for (Path special : List.of(fifo, zero)) {
            String what = special == fifo ? "is a FIFO (named pipe), not a regular file" : "is a character device, not a regular file";
            String q = userError("tilewise attention", "attention", "--method", "dense", "--q", special.toString(),
                    "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
            assertTrue(q.contains(special + " " + what), q);
            String spec = userError("tilewise sweep", "sweep", "--spec", special.toString(), "--out", dir.resolve("s").toString());
            assertEquals("tilewise sweep: --spec " + special + " " + what, spec);
            String prompts = userError("tilewise calibrate paro", "calibrate", "paro", "--model", model.toString(),
                    "--prompts", special.toString(), "--out", dir.resolve("p.paro").toString());
            assertEquals("tilewise calibrate paro: --prompts " + special + " " + what, prompts);
            String plan = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                    "--attention", "paro:plan=" + special, "--frames", "1", "--height", "16", "--width", "16", "--steps", "1",
                    "--out", dir.resolve("x.png").toString());
            assertTrue(plan.contains("paro plan " + special + " " + what), plan);
        }
        Path fifoModel = Files.createDirectory(dir.resolve("fifo-model"));
        Path config = fifo(fifoModel.resolve("config.json"));
        String generate = userError("tilewise generate", "generate", "--model", fifoModel.toString(), "--prompt", "a red circle",
                "--out", dir.resolve("x.png").toString());
        assertEquals("tilewise generate: model config " + config + " is a FIFO (named pipe), not a regular file", generate);
    }

    // item 3: three large valid .npy files are refused by the memory they need, before reading

    @Test
    void largeValidInputsAreRefusedByMemoryBeforeReading() throws Exception {
        for (String name : List.of("q", "k", "v")) {
            sparseNpy(dir.resolve(name + ".npy"), new int[] {1, 1, 4194304, 127});
        }
        String line = userError("tilewise attention", "attention", "--method", "dense", "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertTrue(line.contains("attention on [1, 1, 4194304, 127] inputs needs an estimated") && line.contains("over the memory limit"), line);
    }

    // item 9, 13: --threads bounded, 0 refused; empty prompt and policy refused

    @Test
    void threadsAreBoundedByTheMachine() {
        int cores = Runtime.getRuntime().availableProcessors();
        for (String threads : List.of("0", "-1", Integer.toString(cores + 1), "100000")) {
            String line = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                    "--threads", threads, "--out", dir.resolve("x.png").toString());
            assertEquals("tilewise generate: --threads " + threads + " must be in 1.." + cores
                    + " (this machine's processors); leave it out to use every core", line);
            String bench = userError("tilewise bench attention", "bench", "attention", "--seq-len", "32", "--heads", "1",
                    "--head-dim", "8", "--threads", threads);
            assertTrue(bench.contains("--threads " + threads + " must be in 1.." + cores), bench);
            userError("tilewise bench peak", "bench", "peak", "--threads", threads);
        }
    }

    @Test
    void emptyPromptAndPolicyAreRefused() {
        for (String prompt : List.of("", "   ")) {
            String line = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", prompt,
                    "--out", dir.resolve("x.png").toString());
            assertTrue(line.startsWith("tilewise generate: --prompt is empty"), line);
        }
        String policy = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                "--attention", "", "--out", dir.resolve("x.png").toString());
        assertTrue(policy.startsWith("tilewise generate: --attention is empty"), policy);
        String compare = userError("tilewise compare", "compare", "--model", model.toString(), "--prompt", "a red circle",
                "--attention", "", "--out", dir.resolve("c").toString());
        assertTrue(compare.startsWith("tilewise compare: --attention is empty"), compare);
    }

    // item 13: typos get suggestions

    @Test
    void typosOfCommandsAndOptionsAreSuggested() {
        String command = userError("tilewise", "generat", "--prompt", "x");
        assertTrue(command.contains("did you mean generate?"), command);
        String option = userError("tilewise generate", "generate", "--promt", "a red circle");
        assertTrue(option.contains("did you mean --prompt?"), option);
    }

    // item 10: "@file" is text, never a file to read

    @Test
    void atFilesAreNotExpanded() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "hunter2");
        String line = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                "--attention", "@" + secret, "--out", dir.resolve("x.png").toString());
        assertFalse(line.contains("hunter2"), line);
        assertTrue(line.contains("@" + secret), line);
        // with expansion, "@file" holding "dense" would have run dense attention
        Path method = Files.writeString(dir.resolve("method.txt"), "dense");
        AttentionCommandTest.Inputs.write(dir, 1, new int[] {1, 1, 16, 8});
        String attention = userError("tilewise attention", "attention", "--method", "@" + method, "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertTrue(attention.contains("@" + method), attention);
    }

    // item 11: values with a NUL are escaped; long values are cut

    @Test
    void userValuesAreEscapedAndCut() {
        String line = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                "--attention", "radial:decay=\0\u001b[31m", "--out", dir.resolve("x.png").toString());
        assertTrue(line.contains("radial:decay=\\0\\u001b[31m"), line);
        assertFalse(line.chars().anyMatch(Character::isISOControl), line);

        String huge = "y".repeat(1 << 20);
        String cut = userError("tilewise generate", "generate", "--model", model.toString(), "--prompt", "a red circle",
                "--attention", huge, "--out", dir.resolve("x.png").toString());
        assertTrue(cut.length() < 2000 && cut.contains("characters cut"), cut.length() + ": " + cut.substring(0, 300));

        CliRun warned = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle " + huge,
                "--frames", "1", "--height", "16", "--width", "16", "--steps", "1", "--out", dir.resolve("w.png").toString());
        assertEquals(0, warned.exitCode(), warned.err().substring(0, Math.min(500, warned.err().length())));
        assertEquals(1, warned.errLines().length);
        assertTrue(warned.err().length() < 2000 && warned.err().contains("warning:"), warned.err().length() + " characters");
    }

    @Test
    void theLauncherFilterPassesNulBytes() throws Exception {
        Path filter = repoRoot().resolve("scripts/stderr-filter");
        Process p = new ProcessBuilder(filter.toString()).redirectErrorStream(true).start();
        byte[] input = "tilewise sweep: s.json: methods[0]: 'a\0b' is not a method\nWARNING: Using incubator modules: jdk.incubator.vector\nlast\n"
                .getBytes(StandardCharsets.UTF_8);
        try (var in = p.getOutputStream()) {
            in.write(input);
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertArrayEquals("tilewise sweep: s.json: methods[0]: 'a\0b' is not a method\nlast\n".getBytes(StandardCharsets.UTF_8), out);
    }

    // item 12: NaN or Inf in q, k, v is reported with its first position

    @Test
    void nonFiniteInputsAreWarnedWithTheirPosition() throws Exception {
        int[] shape = {1, 2, 16, 8};
        AttentionCommandTest.Inputs.write(dir, 1, shape);
        NpyArray k = Npy.read(dir.resolve("k.npy"));
        k.data()[((1 * 16) + 5) * 8 + 3] = Float.NaN;   // head 1, token 5, dim 3
        k.data()[((1 * 16) + 9) * 8] = Float.POSITIVE_INFINITY;
        Npy.write(dir.resolve("k.npy"), k);
        CliRun run = CliRun.of("attention", "--method", "dense", "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.errLines();
        assertEquals(2, lines.length, run.err());
        assertEquals("tilewise attention: warning: NaN in --k " + dir.resolve("k.npy") + " at [0, 1, 5, 3] (first of 2 non-finite values)", lines[0]);
        assertTrue(lines[1].startsWith("tilewise attention: warning: NaN in output " + dir.resolve("o.npy") + " at [0, 1, 0, 0]"), lines[1]);
    }

    // item 7: what can be checked before generating is checked before generating

    @Test
    void outputMistakesAreRefusedBeforeGenerating() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("clip.mp4"));
        // a million steps: only a refusal before the generation can end in time
        String[] longRun = {"generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "2", "--height", "16",
                "--width", "16", "--steps", "1000000"};
        String directory = userError("tilewise generate", concat(longRun, "--out", folder.toString()));
        assertEquals("tilewise generate: output " + folder + " is a directory, not a file", directory);
        // a directory that takes no new file, even for root: the check tries, as the writer would
        String readOnly = userError("tilewise generate", concat(longRun, "--out", "/proc/clip.gif"));
        assertTrue(readOnly.startsWith("tilewise generate: output /proc/clip.gif: cannot write in directory /proc ("), readOnly);
        for (String fps : List.of("0", "-3", "1000", "NaN")) {
            String line = userError("tilewise generate", concat(longRun, "--fps", fps, "--out", dir.resolve("c.gif").toString()));
            assertTrue(line.startsWith("tilewise generate: --fps ") && line.endsWith(" must be in (0, 240]"), line);
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** Runs in-process, at most {@link #AT_ONCE}; asserts exit 2 and one stderr line starting with the command; returns it. */
    static String userError(String command, String... args) {
        CliRun run = assertTimeoutPreemptively(AT_ONCE, () -> CliRun.of(args));
        String shown = "stderr: " + (run.err().length() > 3000 ? run.err().substring(0, 3000) + "…" : run.err());
        assertEquals(2, run.exitCode(), shown);
        assertEquals(1, run.errLines().length, shown);
        String line = run.errLines()[0];
        assertTrue(line.startsWith(command + ": "), shown);
        assertFalse(line.contains("Exception") || line.contains("\tat "), shown);
        return line;
    }

    static Path fifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo " + path);
        return path;
    }

    /** A valid float32 .npy of {@code shape} whose data is a hole: gigabytes that cost no disk. */
    static void sparseNpy(Path file, int[] shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        long values = 1;
        for (int s : shape) {
            dims.append(s).append(", ");
            values *= s;
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.substring(0, dims.length() - 2) + "), }";
        String header = dict + " ".repeat(117 - dict.length()) + "\n";
        byte[] pre = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0};
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(pre);
            raf.write(header.getBytes(StandardCharsets.ISO_8859_1));
            raf.setLength(pre.length + header.length() + values * 4);
        }
    }

    /** The repository root: the cli module's parent (tests run in the module's folder). */
    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("scripts")) ? here : here.getParent();
    }
}
