package io.tilewise.pipeline.report;

import io.tilewise.pipeline.run.GenerationRequest;

import java.util.List;

/**
 * {@code report.html}: self-contained (plots and videos inline as data URIs), readable offline: the summary table,
 * the speedup-vs-PSNR plot, PSNR per frame, and per method its findings, side-by-side video and error maps.
 */
public final class ComparisonHtml {

    /** One method's media: side-by-side WebM, error map and mask-mass map PNGs (the maps may be null). */
    public record Media(byte[] video, byte[] errorMap, byte[] massMap) {
    }

    private ComparisonHtml() {
    }

    public static String of(ComparisonResult r, byte[] pareto, byte[] psnrPerFrame, List<Media> media) {
        GenerationRequest b = r.request().base();
        HtmlPage page = new HtmlPage("tilewise compare: " + b.prompt());
        page.heading(1, "tilewise compare: " + r.modelId());
        page.paragraph(ComparisonTable.f("Prompt \"%s\", seed %d, %d frames of %dx%d px, %d steps, guidance %s. %d timed run(s) per "
                        + "policy, interleaved; times are medians without plan building (%s).", b.prompt(), b.seed(), b.frames(),
                b.width(), b.height(), b.steps(), ChartCanvas.format(b.guidance()), r.request().repeats(),
                String.join(", ", r.environment().values())));
        page.paragraph(ComparisonTable.f("Goal: speedup >= %sx and mean PSNR >= %s dB vs dense, with the clip reading as dense's.",
                ChartCanvas.format(r.request().targets().speedup()), ChartCanvas.format(r.request().targets().psnr())));
        page.table(ComparisonTable.cells(r));
        page.image(pareto, "speedup vs PSNR");
        page.image(psnrPerFrame, "PSNR per frame");
        for (int i = 0; i < r.methods().size(); i++) {
            MethodOutcome m = r.methods().get(i);
            page.raw("<div class=\"method\">");
            page.heading(2, m.run().policy());
            page.raw(m.diagnosis().meetsGoal() ? "<p class=\"meets\">meets the goal</p>" : "<p class=\"short\">short of the goal</p>");
            page.list(m.diagnosis().findings());
            Media md = i < media.size() ? media.get(i) : null;
            if (md != null && md.video() != null) {
                page.raw("<p class=\"caption\">dense | " + HtmlPage.escape(m.run().policy()) + " | |difference| x4</p>");
                page.video(md.video(), m.run().policy());
            }
            if (md != null && md.errorMap() != null) page.image(md.errorMap(), "attention error per layer and step");
            if (md != null && md.massMap() != null) page.image(md.massMap(), "softmax mass outside the mask per layer and step");
            if (!m.diagnosis().layers().isEmpty()) {
                String[][] cells = new String[m.diagnosis().layers().size() + 1][];
                cells[0] = new String[] {"layer", "probed calls", "mean rel. L2", "worst rel. L2 (step)", "mean mass in mask", "lowest mass"};
                for (int j = 0; j < m.diagnosis().layers().size(); j++) {
                    LayerError l = m.diagnosis().layers().get(j);
                    cells[j + 1] = new String[] {Integer.toString(l.layer()), Integer.toString(l.calls()),
                            ComparisonTable.f("%.4f", l.meanRelL2()), ComparisonTable.f("%.4f (%d)", l.maxRelL2(), l.stepOfMax()),
                            ComparisonTable.f("%.4f", l.meanMaskMass()), ComparisonTable.f("%.4f", l.minMaskMass())};
                }
                page.table(cells);
            }
            page.raw("</div>");
        }
        return page.render();
    }
}
