package io.tilewise.pipeline.report;

import io.tilewise.pipeline.probe.ProbeRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/** The PNG plots of a comparison report. */
public final class ComparisonCharts {

    static final int WIDTH = 900, HEIGHT = 480;

    private ComparisonCharts() {
    }

    /** Speedup vs mean PSNR, one series per method, with the goal's lines. */
    public static byte[] pareto(ComparisonResult result) {
        Map<String, List<ScatterChart.Point>> series = new LinkedHashMap<>();
        for (MethodOutcome m : result.methods()) {
            series.computeIfAbsent(methodName(m.run().policy()), k -> new ArrayList<>())
                    .add(new ScatterChart.Point(m.speedup(), m.quality().meanPsnr(), shortLabel(m.run().policy())));
        }
        ScatterChart chart = new ScatterChart("Speedup vs quality (same prompt and seed as dense)", "end-to-end speedup vs dense (x)",
                "mean PSNR vs dense (dB)");
        series.forEach((name, points) -> chart.add(new ScatterChart.Series(name, points)));
        CompareRequest.Targets t = result.request().targets();
        return chart.lines(true).xTarget(t.speedup(), "goal " + ChartCanvas.format(t.speedup()) + "x")
                .yTarget(t.psnr(), "goal " + ChartCanvas.format(t.psnr()) + " dB").png(WIDTH, HEIGHT);
    }

    /** PSNR of every frame, one line per method. */
    public static byte[] psnrPerFrame(ComparisonResult result) {
        ScatterChart chart = new ScatterChart("PSNR per frame vs dense", "frame", "PSNR (dB)").lines(true);
        for (MethodOutcome m : result.methods()) {
            double[] psnr = m.quality().psnr();
            List<ScatterChart.Point> points = new ArrayList<>();
            for (int f = 0; f < psnr.length; f++) points.add(new ScatterChart.Point(f, psnr[f], null));
            chart.add(new ScatterChart.Series(shortLabel(m.run().policy()), points));
        }
        return chart.yTarget(result.request().targets().psnr(), "goal").png(WIDTH, HEIGHT);
    }

    /** Relative L2 of the attention output per (layer, probed step); null without probes. */
    public static byte[] errorMap(MethodOutcome m) {
        return map(m.run().probes(), ProbeRecord::relL2, "Attention error vs dense (relative L2), " + shortLabel(m.run().policy()),
                Double.NaN, Double.NaN);
    }

    /** Dense softmax mass inside the method's mask per (layer, probed step), on a 0..1 scale; null without probes. */
    public static byte[] massMap(MethodOutcome m) {
        return map(m.run().probes(), r -> 1 - r.maskMass(), "Softmax mass outside the mask (1 - mass inside), "
                + shortLabel(m.run().policy()), 0, Double.NaN);
    }

    private static byte[] map(List<ProbeRecord> probes, ToDoubleFunction<ProbeRecord> value, String title, double lo, double hi) {
        if (probes.isEmpty()) return null;
        TreeSet<Integer> steps = new TreeSet<>(), layers = new TreeSet<>();
        for (ProbeRecord r : probes) {
            steps.add(r.step());
            layers.add(r.layer());
        }
        List<Integer> stepList = new ArrayList<>(steps), layerList = new ArrayList<>(layers);
        double[][] values = new double[layerList.size()][stepList.size()];
        int[][] counts = new int[layerList.size()][stepList.size()];
        for (ProbeRecord r : probes) {
            int row = layerList.indexOf(r.layer()), col = stepList.indexOf(r.step());
            values[row][col] += value.applyAsDouble(r);
            counts[row][col]++;
        }
        for (int r = 0; r < values.length; r++) {
            for (int c = 0; c < values[r].length; c++) values[r][c] = counts[r][c] == 0 ? Double.NaN : values[r][c] / counts[r][c];
        }
        HeatmapChart chart = new HeatmapChart(title, "denoising step", "layer", values,
                stepList.stream().map(String::valueOf).toList(), layerList.stream().map(String::valueOf).toList());
        if (!Double.isNaN(lo) || !Double.isNaN(hi)) {
            double max = 0;
            for (double[] row : values) for (double v : row) if (Double.isFinite(v)) max = Math.max(max, v);
            chart.scale(Double.isNaN(lo) ? 0 : lo, Double.isNaN(hi) ? Math.max(max, 1e-6) : hi);
        }
        return chart.png(WIDTH, 300);
    }

    /** The methods of a policy other than dense, e.g. "radial" for {@code dense@steps<4;radial:decay=0.2}. */
    public static String methodName(String policy) {
        List<String> names = new ArrayList<>();
        for (String rule : policy.split(";")) {
            String name = rule.strip().split("[:@]", 2)[0].strip();
            if (!name.equals("dense") && !names.contains(name)) names.add(name);
        }
        return names.isEmpty() ? "dense" : String.join("+", names);
    }

    /** The policy, shortened for plot labels. */
    static String shortLabel(String policy) {
        return policy.length() <= 48 ? policy : policy.substring(0, 45) + "...";
    }
}
