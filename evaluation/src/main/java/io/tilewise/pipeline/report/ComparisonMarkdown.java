package io.tilewise.pipeline.report;

import io.tilewise.pipeline.run.GenerationRequest;

import java.util.List;
import java.util.Map;

/** {@code report.md}: the summary table, the goal, and per method its findings and per-layer errors. */
public final class ComparisonMarkdown {

    private ComparisonMarkdown() {
    }

    public static String of(ComparisonResult r, List<Map<String, String>> files) {
        StringBuilder md = new StringBuilder();
        GenerationRequest b = r.request().base();
        md.append("# tilewise compare: ").append(r.modelId()).append("\n\n");
        md.append(ComparisonTable.f("Prompt \"%s\", seed %d, %d frames of %dx%d px, %d steps, guidance %s; %d timed run(s) per policy, "
                        + "interleaved; times are medians without plan building.%n%n", b.prompt(), b.seed(), b.frames(), b.width(),
                b.height(), b.steps(), ChartCanvas.format(b.guidance()), r.request().repeats()));
        md.append(ComparisonTable.f("Goal: speedup >= %sx and mean PSNR >= %s dB vs dense, with the clip reading as dense's.%n%n",
                ChartCanvas.format(r.request().targets().speedup()), ChartCanvas.format(r.request().targets().psnr())));
        table(md, ComparisonTable.cells(r));
        md.append("\n![speedup vs PSNR](pareto.png)\n\n![PSNR per frame](psnr-per-frame.png)\n");
        for (int i = 0; i < r.methods().size(); i++) {
            MethodOutcome m = r.methods().get(i);
            md.append("\n## ").append(m.run().policy()).append("\n\n");
            for (String finding : m.diagnosis().findings()) md.append("- ").append(finding).append('\n');
            if (!m.diagnosis().layers().isEmpty()) {
                md.append("\n| layer | probed calls | mean rel. L2 | worst rel. L2 (step) | mean mass in mask | lowest mass |\n");
                md.append("|---|---|---|---|---|---|\n");
                for (LayerError l : m.diagnosis().layers()) {
                    md.append(ComparisonTable.f("| %d | %d | %.4f | %.4f (%d) | %.4f | %.4f |%n", l.layer(), l.calls(), l.meanRelL2(),
                            l.maxRelL2(), l.stepOfMax(), l.meanMaskMass(), l.minMaskMass()));
                }
            }
            if (i < files.size()) {
                md.append('\n');
                files.get(i).forEach((name, path) -> md.append("- ").append(name).append(": [").append(path).append("](")
                        .append(path).append(")\n"));
            }
        }
        md.append("\nEnvironment: ");
        md.append(String.join(", ", r.environment().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
        md.append('\n');
        return md.toString();
    }

    /** The summary table alone (for a terminal). */
    public static String summary(ComparisonResult r) {
        StringBuilder md = new StringBuilder();
        table(md, ComparisonTable.cells(r));
        return md.toString();
    }

    static void table(StringBuilder md, String[][] cells) {
        for (int row = 0; row < cells.length; row++) {
            md.append('|');
            for (String c : cells[row]) md.append(' ').append(c.replace("|", "\\|")).append(" |");
            md.append('\n');
            if (row == 0) md.append("|---".repeat(cells[0].length)).append("|\n");
        }
    }
}
