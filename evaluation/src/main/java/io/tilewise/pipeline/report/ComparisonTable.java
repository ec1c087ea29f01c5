package io.tilewise.pipeline.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The summary table of a comparison, as text cells (shared by the Markdown and HTML reports). */
final class ComparisonTable {

    static final String[] HEADER = {"policy", "wall s", "attention s (share)", "stages s", "skipped-step s", "steps computed",
            "speedup", "attention speedup",
            "executed density", "PSNR mean / min dB", "SSIM mean / min", "latent rel. error", "clip reads", "adheres",
            "goal"};

    private ComparisonTable() {
    }

    static String[][] cells(ComparisonResult r) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        PolicyRun d = r.dense();
        rows.add(new String[] {"dense (reference)", f("%.2f", d.seconds()), f("%.2f (%.0f %%)", d.attentionSeconds(), 100 * d.attentionShare()),
                f("%.2f", d.stageSeconds()), f("%.2f", d.skippedStepSeconds()), d.stepCache().summary(), "1.00x", "1.00x", f("%.3f", d.executedDensity()), "-", "-", "-", reads(r.denseReading()),
                yesNo(r.denseAdheres()), "-"});
        for (MethodOutcome m : r.methods()) {
            PolicyRun p = m.run();
            rows.add(new String[] {p.policy(), f("%.2f", p.seconds()), f("%.2f (%.0f %%)", p.attentionSeconds(), 100 * p.attentionShare()),
                    f("%.2f", p.stageSeconds()), f("%.2f", p.skippedStepSeconds()), p.stepCache().summary(), f("%.2fx", m.speedup()), f("%.2fx", m.attentionSpeedup()), f("%.3f", p.executedDensity()),
                    f("%.1f / %.1f", m.quality().meanPsnr(), m.quality().minPsnr()),
                    f("%.3f / %.3f", m.quality().meanSsim(), m.quality().minSsim()),
                    f("%.4f", m.quality().latentRelativeError()), reads(m.reading()),
                    yesNo(m.adheres()) + (m.adherenceMatchesDense() ? " (as dense)" : " (differs)"),
                    m.diagnosis().meetsGoal() ? "meets" : "short"});
        }
        return rows.toArray(String[][]::new);
    }

    /** What the clip shows; n/a for a model without a prompt analyzer (nothing was read). */
    static String reads(io.tilewise.pipeline.quality.ClipReading r) {
        return r == null ? "n/a" : Diagnosis.words(r);
    }

    static String yesNo(Boolean b) {
        return b == null ? "n/a" : b ? "yes" : "no";
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
