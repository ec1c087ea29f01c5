package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.NoVectorApiChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An app that forgot {@code --add-modules jdk.incubator.vector} gets one line naming the flag from the library's entry
 * points, not a {@code NoClassDefFoundError} from inside a kernel. Runs a child JVM without the flag.
 */
class VectorApiMissingTest {

    private static final String EXPECTED = "java.lang.IllegalStateException: Tilewise needs the JDK's Vector API module: "
            + "start the JVM with --add-modules jdk.incubator.vector";

    @TempDir
    static Path dir;

    @Test
    void pipelineOpenNamesTheMissingFlag() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(1), 3);
        String line = runChild("pipeline", model.toString());
        assertTrue(line.startsWith(EXPECTED), line);
    }

    @Test
    void attentionMethodsNameTheMissingFlag() throws Exception {
        String line = runChild("attention", "radial:decay=0.2");
        assertTrue(line.startsWith(EXPECTED), line);
    }

    /** The child's one line of output (it prints what it threw). */
    private static String runChild(String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("child-" + args[0] + ".txt");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"), NoVectorApiChild.class.getName()));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.startsWith("WARNING:")).toList();   // the JVM's own native-access notices
        assertEquals(0, child.exitValue(), String.join("\n", lines));
        assertEquals(1, lines.size(), String.join("\n", lines));
        return lines.getFirst();
    }
}
