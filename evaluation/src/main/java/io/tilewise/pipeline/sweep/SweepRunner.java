package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a sweep into a folder: {@code results.jsonl} gets one line per finished cell as it finishes
 * ({@link SweepLog}); with {@code resume}, cells already in it are skipped, so a killed sweep loses at most the cell in
 * flight. At the end the report is written from every line ({@link SweepReport}).
 */
public final class SweepRunner {

    public static final String RESULTS = "results.jsonl";
    public static final String SPEC_COPY = "sweep.json";

    /** Told before and after each cell; {@code eta} is the predicted time left, in seconds. */
    public interface Listener {
        default void started(SweepCell cell, int done, int toRun, double eta) {
        }

        default void finished(SweepCell cell, ObjectNode line, int done, int toRun, double eta) {
        }
    }

    /** What a run did: cells run now, cells skipped as already finished, every line by key, the report's files. */
    public record Outcome(int ran, int skipped, Map<String, ObjectNode> lines, List<Path> reportFiles) {
    }

    private SweepRunner() {
    }

    /**
     * Refuses to start over a folder that already holds results unless resuming (one line naming the file), so no
     * finished cell is overwritten by mistake.
     */
    public static void checkFolder(Path dir, boolean resume) {
        Path results = dir.resolve(RESULTS);
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException("--out " + dir + " is a file; expected a directory");
        int finished = SweepLog.read(results).size();
        if (!resume && finished > 0) {
            throw new IllegalArgumentException(results + " already holds " + finished + " finished cells; add --resume to continue "
                    + "that sweep, or choose another --out");
        }
    }

    /** @param specText the sweep file's text, copied into the folder */
    public static Outcome run(Sweep sweep, String specText, Path dir, boolean resume, Listener listener) {
        checkFolder(dir, resume);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        AtomicFiles.write(dir.resolve(SPEC_COPY), tmp -> Files.writeString(tmp, specText));
        Path results = dir.resolve(RESULTS);
        Map<String, ObjectNode> lines = new LinkedHashMap<>(SweepLog.read(results));
        List<SweepCell> todo = sweep.cells().stream().filter(c -> !lines.containsKey(c.key())).toList();
        int skipped = sweep.cells().size() - todo.size();
        CostModel cost = sweep.costModel(lines);
        List<Double> predicted = new ArrayList<>();
        for (SweepCell c : todo) predicted.add(sweep.check(c, cost).predictedSeconds());
        long start = System.nanoTime();
        double predictedDone = 0;
        try (SweepLog log = SweepLog.open(results)) {
            for (int i = 0; i < todo.size(); i++) {
                SweepCell cell = todo.get(i);
                listener.started(cell, i, todo.size(), eta(predicted, i, predictedDone, start));
                ObjectNode line = runCell(sweep, cell, lines);
                log.append(line);
                lines.put(cell.key(), line);
                predictedDone += predicted.get(i);
                listener.finished(cell, line, i + 1, todo.size(), eta(predicted, i + 1, predictedDone, start));
            }
        }
        List<Path> files = SweepReport.write(sweep, lines, dir);
        return new Outcome(todo.size(), skipped, lines, files);
    }

    static ObjectNode runCell(Sweep sweep, SweepCell cell, Map<String, ObjectNode> finished) {
        ObjectNode line = SweepLog.MAPPER.createObjectNode();
        line.put("cell", cell.key());
        line.put("index", cell.index());
        line.put("level", cell.level().name().toLowerCase(java.util.Locale.ROOT));
        line.put("method", cell.point().method());
        line.put("spec", cell.point().spec());
        line.put("policy", cell.point().policy());
        if (cell.point().hasStepCache()) line.put("step_cache", cell.point().stepCache());
        ObjectNode params = line.putObject("params");
        cell.point().params().forEach(params::put);
        line.put("group", cell.group());
        var support = sweep.runner().support(cell);
        line.put("supported", support.supported());
        if (!support.supported()) {
            line.put("reason", support.reason());
        } else {
            try {
                sweep.runner().run(cell, finished, line);
            } catch (RuntimeException e) {
                line.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        line.put("finished", Instant.now().toString());
        return line;
    }

    /** Predicted seconds left, scaled by how the finished cells of this run compared with their prediction. */
    private static double eta(List<Double> predicted, int done, double predictedDone, long start) {
        double left = 0;
        for (int i = done; i < predicted.size(); i++) left += predicted.get(i);
        double elapsed = (System.nanoTime() - start) / 1e9;
        return done == 0 || predictedDone <= 0 ? left : left * elapsed / predictedDone;
    }
}
