package io.tilewise.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark rows as JSON lines: one object per row with the row's fields plus when and where it was measured
 * ({@code timestamp}, {@code commit}, {@code jdk}, {@code osArch}, {@code processors}, {@code cpuModel}).
 * Non-finite numbers are written as {@code null}, keeping every line valid JSON.
 */
public final class BenchJsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchJsonLines() {
    }

    /** The lines for {@code rows}, each ending in a newline. */
    public static String format(List<BenchRow> rows, MachineInfo machine, Instant when) {
        StringBuilder sb = new StringBuilder();
        for (BenchRow row : rows) {
            try {
                sb.append(JSON.writeValueAsString(fields(row, machine, when))).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sb.toString();
    }

    /**
     * Appends the rows to {@code file} (created if missing) in one write, so earlier results are never lost.
     *
     * @throws IOException naming the file when it cannot be written
     */
    public static void append(Path file, List<BenchRow> rows, MachineInfo machine, Instant when) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException(file + ": directory " + parent + " does not exist");
        }
        try {
            Files.writeString(file, format(rows, machine, when), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException(file + ": cannot append benchmark rows (" + e.getMessage() + ")", e);
        }
    }

    static Map<String, Object> fields(BenchRow row, MachineInfo machine, Instant when) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", when.toString());
        m.put("method", row.method());
        m.put("spec", row.spec());
        m.put("batch", row.batch());
        m.put("heads", row.heads());
        m.put("seqLen", row.seqLen());
        m.put("headDim", row.headDim());
        m.put("layout", row.layout());
        m.put("device", row.device());
        m.put("prepareMs", finite(row.prepareMs()));
        m.put("medianMs", finite(row.medianMs()));
        m.put("minMs", finite(row.minMs()));
        m.put("gflops", finite(row.gflops()));
        m.put("executedDensity", finite(row.executedDensity()));
        m.put("speedupVsDense", finite(row.speedupVsDense()));
        m.put("relL2VsDense", finite(row.relL2VsDense()));
        m.put("repeats", row.repeats());
        m.put("warmup", row.warmup());
        m.put("threads", row.threads());
        if (!row.phaseMs().isEmpty()) {
            m.put("phaseMs", row.phaseMs());
            m.put("outsideExactTiles", finite(row.outsideExactTiles()));
        }
        m.put("commit", machine.commit());
        m.put("jdk", machine.jdk());
        m.put("osArch", machine.osArch());
        m.put("processors", machine.processors());
        m.put("cpuModel", machine.cpuModel());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
