package io.tilewise.bench;

import java.util.List;
import java.util.Locale;

/**
 * The human-readable benchmark table: one line per method under a header naming shape and machine ("of ideal": the
 * speedup over dense as a share of 1 / executed density), then one line of phase medians per method that reports
 * phases.
 */
public final class BenchTable {

    private BenchTable() {
    }

    public static String format(List<BenchRow> rows, MachineInfo machine) {
        StringBuilder sb = new StringBuilder();
        if (!rows.isEmpty()) {
            BenchRow r = rows.getFirst();
            sb.append(String.format(Locale.ROOT, "attention [batch %d, heads %d, seqLen %d, headDim %d] layout %s; "
                            + "median of %d (warm-up %d); %s, %d cores, JDK %s%n",
                    r.batch(), r.heads(), r.seqLen(), r.headDim(), r.layout(), r.repeats(), r.warmup(),
                    machine.cpuModel() == null ? machine.osArch() : machine.cpuModel(), machine.processors(),
                    machine.jdk()));
        }
        int width = Math.max("method".length(), rows.stream().mapToInt(r -> r.spec().length()).max().orElse(0));
        String fmt = "%-" + width + "s  %10s  %10s  %8s  %8s  %8s  %8s  %9s  %7s%n";
        sb.append(String.format(Locale.ROOT, fmt, "method", "prepare ms", "median ms", "GFLOP/s", "density",
                "vs dense", "of ideal", "relL2", "threads"));
        for (BenchRow r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.spec(), num(r.prepareMs(), 1), num(r.medianMs(), 2),
                    num(r.gflops(), 1), num(r.executedDensity(), 3), num(r.speedupVsDense(), 2) + "x",
                    Math.round(100 * r.ofIdeal()) + " %", String.format(Locale.ROOT, "%.2e", r.relL2VsDense()),
                    r.threads()));
        }
        for (BenchRow r : rows) {
            if (r.phaseMs().isEmpty()) continue;
            StringBuilder line = new StringBuilder(r.spec()).append(" phases (median ms):");
            String sep = " ";
            for (var e : r.phaseMs().entrySet()) {
                line.append(sep).append(e.getKey()).append(' ').append(num(e.getValue(), 1));
                sep = ", ";
            }
            if (Double.isFinite(r.outsideExactTiles())) {
                line.append("; outside exact tiles ").append(num(100 * r.outsideExactTiles(), 1)).append(" %");
            }
            sb.append(line).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String num(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
