package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.io.AtomicFiles;
import io.tilewise.pipeline.report.HtmlPage;
import io.tilewise.pipeline.report.ScatterChart;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end of a sweep: {@code table.md} (every cell), {@code pareto.png} (speedup vs mean PSNR per setting, one series
 * per method; at operator level speedup vs relative L2) and a self-contained {@code report.html} with both and,
 * for generation sweeps, the best setting of each method against the goal.
 */
public final class SweepReport {

    private SweepReport() {
    }

    public static List<Path> write(Sweep sweep, Map<String, ObjectNode> lines, Path dir) {
        List<SweepCell> cells = sweep.cells();
        List<SweepSetting> settings = SweepSetting.of(cells, lines);
        boolean generation = sweep.spec().level() == SweepSpec.Level.GENERATION;
        byte[] pareto = pareto(sweep.spec(), settings, generation);
        String table = SweepTable.markdown(SweepTable.rows(cells, lines, true));
        List<String> best = generation ? best(sweep.spec(), settings) : List.of();
        String summary = summary(sweep, lines);
        StringBuilder md = new StringBuilder("# tilewise sweep\n\n").append(summary).append("\n\n");
        if (!best.isEmpty()) {
            md.append("## Best setting per method\n\n");
            best.forEach(b -> md.append("- ").append(b).append('\n'));
            md.append('\n');
        }
        md.append("![Pareto plot](pareto.png)\n\n").append(table);
        HtmlPage page = new HtmlPage("tilewise sweep");
        page.heading(1, "tilewise sweep").paragraph(summary);
        if (!best.isEmpty()) page.heading(2, "Best setting per method").list(best);
        page.image(pareto, "Pareto plot").heading(2, "Every cell");
        List<List<String>> rows = SweepTable.rows(cells, lines, true);
        page.table(rows.stream().map(r -> r.toArray(String[]::new)).toArray(String[][]::new));
        List<Path> out = new ArrayList<>();
        out.add(write(dir.resolve("pareto.png"), pareto));
        out.add(write(dir.resolve("table.md"), md.toString().getBytes(StandardCharsets.UTF_8)));
        out.add(write(dir.resolve("report.html"), page.render().getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    static byte[] pareto(SweepSpec spec, List<SweepSetting> settings, boolean generation) {
        Map<String, List<ScatterChart.Point>> series = new LinkedHashMap<>();
        for (SweepSetting s : settings) {
            double y = generation ? s.psnr() : s.relL2();
            series.computeIfAbsent(s.series(), k -> new ArrayList<>()).add(new ScatterChart.Point(s.speedup(), y, label(s)));
        }
        ScatterChart chart = generation
                ? new ScatterChart("Speed vs quality per setting (mean over prompts and seeds)", "end-to-end speedup vs dense (x)", "mean PSNR vs dense (dB)")
                : new ScatterChart("Speed vs error per setting", "attention speedup vs dense (x)", "relative L2 vs dense (lower is better)");
        series.forEach((name, points) -> chart.add(new ScatterChart.Series(name, points)));
        chart.lines(true).xTarget(spec.targetSpeedup(), "goal " + spec.targetSpeedup() + "x");
        if (generation) chart.yTarget(spec.targetPsnr(), "goal " + spec.targetPsnr() + " dB");
        return chart.png(1000, 560);
    }

    /** The settings' parameters, shortened: "decay=0.2,block=16" rather than the whole policy. */
    private static String label(SweepSetting s) {
        String p = s.policy();
        int colon = p.lastIndexOf(':');
        String l = (colon >= 0 ? p.substring(colon + 1) : p).replaceAll("=[^,]*/", "="); // plan=/a/b.paro -> plan=b.paro
        return l.length() > 30 ? l.substring(0, 27) + "..." : l;
    }

    static List<String> best(SweepSpec spec, List<SweepSetting> settings) {
        Map<String, List<SweepSetting>> bySeries = new LinkedHashMap<>();
        for (SweepSetting s : settings) bySeries.computeIfAbsent(s.series(), k -> new ArrayList<>()).add(s);
        List<String> out = new ArrayList<>();
        bySeries.forEach((method, ss) -> {
            List<SweepSetting> good = ss.stream().filter(s -> s.psnr() >= spec.targetPsnr() && s.adherenceAsDense()).toList();
            SweepSetting fastest = good.stream().max(Comparator.comparingDouble(SweepSetting::speedup)).orElse(null);
            if (fastest != null && fastest.speedup() >= spec.targetSpeedup()) {
                out.add(f("%s: meets the goal with %s on %s: %.2fx, mean PSNR %.1f dB, clips read as dense", method,
                        fastest.policy(), fastest.where(), fastest.speedup(), fastest.psnr()));
            } else if (fastest != null) {
                out.add(f("%s: short of %.2fx; fastest setting with PSNR >= %.1f dB and dense's adherence is %s on %s at %.2fx "
                        + "(%.1f dB, density %.3f)", method, spec.targetSpeedup(), spec.targetPsnr(), fastest.policy(), fastest.where(),
                        fastest.speedup(), fastest.psnr(), fastest.density()));
            } else {
                SweepSetting sharpest = ss.stream().max(Comparator.comparingDouble(SweepSetting::psnr)).orElseThrow();
                out.add(f("%s: no setting reaches %.1f dB with dense's adherence; the best is %s on %s: %.1f dB at %.2fx "
                        + "(density %.3f)", method, spec.targetPsnr(), sharpest.policy(), sharpest.where(), sharpest.psnr(),
                        sharpest.speedup(), sharpest.density()));
            }
        });
        return out;
    }

    private static String summary(Sweep sweep, Map<String, ObjectNode> lines) {
        long ok = sweep.cells().stream().filter(c -> "ok".equals(SweepTable.status(lines.get(c.key())))).count();
        long unsupported = sweep.cells().stream().filter(c -> SweepTable.status(lines.get(c.key())).startsWith("unsupported")).count();
        long failed = sweep.cells().stream().filter(c -> SweepTable.status(lines.get(c.key())).startsWith("error")).count();
        long missing = sweep.cells().stream().filter(c -> lines.get(c.key()) == null).count();
        return f("%s sweep: %d cells; %d ok, %d unsupported, %d failed, %d not run. Goal: %.2fx and %.1f dB. Timings are single "
                        + "runs after a warm-up; re-run on a quiet machine before quoting them.",
                sweep.spec().level().name().toLowerCase(Locale.ROOT), sweep.cells().size(), ok, unsupported, failed, missing,
                sweep.spec().targetSpeedup(), sweep.spec().targetPsnr());
    }

    private static Path write(Path file, byte[] data) {
        AtomicFiles.write(file, tmp -> Files.write(tmp, data));
        return file;
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
