package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The dry run of a sweep: every cell with whether it can run (and why not), its expected executed density, its
 * predicted seconds, and whether an earlier run already finished it; then the totals. Nothing runs, nothing is
 * written.
 */
public final class DryRun {

    private DryRun() {
    }

    public static String listing(Sweep sweep, Map<String, ObjectNode> finished) {
        List<Sweep.Check> checks = sweep.check(finished);
        CostModel cost = sweep.costModel(finished);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-5s %-11s %-8s %9s  %s%n", "#", "status", "density", "predicted", "cell"));
        double todo = 0;
        int supported = 0, done = 0;
        for (Sweep.Check c : checks) {
            boolean finishedBefore = finished.containsKey(c.cell().key());
            String status = finishedBefore ? "finished" : c.support().supported() ? "runs" : "unsupported";
            if (c.support().supported()) supported++;
            if (finishedBefore) done++;
            else todo += c.predictedSeconds();
            out.append(String.format(Locale.ROOT, "%-5d %-11s %-8s %9s  %s%n", c.cell().index(), status,
                    Double.isFinite(c.density()) ? String.format(Locale.ROOT, "%.3f", c.density()) : "-",
                    c.support().supported() ? duration(c.predictedSeconds()) : "-", c.cell().key()));
            if (!c.support().supported()) out.append("      why: ").append(c.support().reason()).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%d cells: %d supported, %d unsupported, %d already finished; predicted %s for the rest "
                        + "(%s rates: attention %.0f GFLOP/s, stages %.0f GFLOP/s)%n", checks.size(), supported, checks.size() - supported,
                done, duration(todo), cost.calibrated() ? "measured" : "assumed", cost.attentionGflops(), cost.stageGflops()));
        return out.toString();
    }

    static String duration(double seconds) {
        if (seconds < 1) return String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
        if (seconds < 60) return String.format(Locale.ROOT, "%.1f s", seconds);
        if (seconds < 3600) return String.format(Locale.ROOT, "%dm%02ds", (int) (seconds / 60), (int) (seconds % 60));
        return String.format(Locale.ROOT, "%dh%02dm", (int) (seconds / 3600), (int) (seconds % 3600 / 60));
    }
}
