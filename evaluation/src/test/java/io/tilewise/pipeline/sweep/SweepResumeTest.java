package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.family.tiny.TinyDitModel;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.SweepChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generation sweep on a random tiny model, killed with SIGKILL in a child JVM after a few cells, then resumed: the
 * final table equals the table of an uninterrupted run, every cell is in the results once, and finished cells are not
 * run again.
 */
class SweepResumeTest {

    static final String SPEC = """
            {
              "level": "generation",
              "methods": [
                {"method": "radial", "params": {"decay": [0.1, 0.5], "block": [8]}},
                {"method": "pisa", "params": {"density": [0.25, 0.5], "block": [8]}},
                {"method": "gna", "params": {"window": ["2x3x3", "9x9x9"]}}
              ],
              "prompts": ["a red circle moving right on a blue background"],
              "seeds": [0, 1, 2],
              "sizes": ["2x16x16"],
              "steps": 2,
              "probe_every": 1
            }
            """;
    static final int CELLS = 3 * (1 + 6);

    @TempDir
    Path dir;

    @Test
    void killedSweepResumesToTheSameTable() throws Exception {
        Path model = TinyModels.write(dir.resolve("model"), TinyModels.small(2), 3);
        Path spec = dir.resolve("sweep.json");
        Files.writeString(spec, SPEC);

        Path killed = dir.resolve("killed");
        int before = runAndKill(spec, killed, model, 4);
        assertTrue(before >= 4 && before < CELLS, "the kill must land mid-way: " + before + " of " + CELLS + " cells finished");

        SweepRunner.Outcome resumed = SweepChild.run(spec, killed, model, true);
        assertEquals(before, resumed.skipped(), "finished cells are skipped");
        assertEquals(CELLS - before, resumed.ran());
        List<ObjectNode> lines = SweepLog.lines(killed.resolve(SweepRunner.RESULTS));
        assertEquals(CELLS, lines.size(), "each cell exactly once");
        assertEquals(CELLS, new HashSet<>(lines.stream().map(l -> l.path("cell").asText()).toList()).size());

        Path straight = dir.resolve("straight");
        SweepRunner.Outcome whole = SweepChild.run(spec, straight, model, false);
        assertEquals(CELLS, whole.ran());

        ModelConfig config = ModelConfig.read(model.resolve("config.json"));
        List<SweepCell> cells = SweepGrid.cells(SweepSpecReader.read(spec), TinyDitModel.card(config).defaults());
        String a = SweepTable.markdown(SweepTable.rows(cells, SweepLog.read(killed.resolve(SweepRunner.RESULTS)), false));
        String b = SweepTable.markdown(SweepTable.rows(cells, SweepLog.read(straight.resolve(SweepRunner.RESULTS)), false));
        assertEquals(b, a);
        assertTrue(a.contains("unsupported: "), "the 9x9x9 window does not fit the grid:\n" + a);
        assertFalse(a.contains("error:"), a);
        assertFalse(a.contains("not run"), a);
        for (String f : List.of("table.md", "pareto.png", "report.html")) assertTrue(Files.size(killed.resolve(f)) > 100, f);
    }

    /** Starts the sweep in a child JVM and SIGKILLs it once {@code after} cells have finished; returns how many had. */
    private static int runAndKill(Path spec, Path out, Path model, int after) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
        if (cache != null) command.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SweepChild.class.getName(), spec.toString(),
                out.toString(), model.toString()));
        Path log = Files.createTempFile("sweep-child", ".log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path results = out.resolve(SweepRunner.RESULTS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try {
            while (SweepLog.lines(results).size() < after) {
                if (!child.isAlive()) throw new AssertionError("child exited " + child.exitValue() + ": " + Files.readString(log));
                if (System.nanoTime() > deadline) throw new AssertionError("child too slow: " + Files.readString(log));
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flushing
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        return SweepLog.lines(results).size();
    }
}
