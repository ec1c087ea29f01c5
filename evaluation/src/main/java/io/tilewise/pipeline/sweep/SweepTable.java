package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The final table of a sweep: one row per cell in sweep order, from the result lines. Without timings (seconds,
 * speedups) the table depends only on what was computed, so a resumed sweep and an uninterrupted one give the same
 * table.
 */
public final class SweepTable {

    private SweepTable() {
    }

    /** Header row first. */
    public static List<List<String>> rows(List<SweepCell> cells, Map<String, ObjectNode> lines, boolean timings) {
        List<List<String>> rows = new ArrayList<>();
        boolean generation = !cells.isEmpty() && cells.getFirst().level() == SweepSpec.Level.GENERATION;
        rows.add(generation ? generationHeader(timings) : attentionHeader(timings));
        for (SweepCell cell : cells) {
            ObjectNode l = lines.get(cell.key());
            rows.add(generation ? generationRow(cell, l, timings) : attentionRow(cell, l, timings));
        }
        return rows;
    }

    /** As a Markdown table. */
    public static String markdown(List<List<String>> rows) {
        StringBuilder md = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            md.append('|');
            for (String c : rows.get(r)) md.append(' ').append(c.replace("|", "\\|")).append(" |");
            md.append('\n');
            if (r == 0) md.append("|---".repeat(rows.getFirst().size())).append("|\n");
        }
        return md.toString();
    }

    private static List<String> generationHeader(boolean timings) {
        List<String> h = new ArrayList<>(List.of("#", "method", "policy", "size", "seed", "prompt", "density"));
        if (timings) h.addAll(List.of("seconds", "speedup", "stages s", "attention s", "skipped-step s"));
        h.addAll(List.of("steps computed/skipped", "PSNR mean", "PSNR min", "SSIM mean", "latent err", "adheres", "as dense", "probe rel L2", "mask mass", "status"));
        return h;
    }

    private static List<String> generationRow(SweepCell cell, ObjectNode l, boolean timings) {
        List<String> r = new ArrayList<>(List.of(Integer.toString(cell.index()), cell.point().method(), cell.point().label(),
                cell.size().toString(), Long.toString(cell.seed()), cell.prompt(), num(l, "executed_density", "%.3f")));
        if (timings) {
            r.addAll(List.of(num(l, "seconds", "%.2f"), num(l, "speedup", "%.2fx"), num(l, "stage_seconds", "%.2f"),
                    num(l, "attention_seconds", "%.2f"), num(l, "skipped_step_seconds", "%.2f")));
        }
        r.add(l == null ? "" : l.path("steps_computed").asText(""));
        JsonNode probe = l == null ? null : l.get("probe");
        r.addAll(List.of(num(l, "psnr_mean", "%.2f"), num(l, "psnr_min", "%.2f"), num(l, "ssim_mean", "%.4f"),
                num(l, "latent_rel_error", "%.5f"), bool(l, "adheres"), bool(l, "adherence_matches_dense"),
                probe == null ? "" : num((ObjectNode) probe, "mean_rel_l2", "%.4f"),
                probe == null ? "" : num((ObjectNode) probe, "mean_mask_mass", "%.4f"), status(l)));
        return r;
    }

    private static List<String> attentionHeader(boolean timings) {
        List<String> h = new ArrayList<>(List.of("#", "method", "spec", "shape", "seed", "density", "rel L2", "cosine", "mask mass"));
        if (timings) h.addAll(List.of("dense ms", "method ms", "speedup"));
        h.add("status");
        return h;
    }

    private static List<String> attentionRow(SweepCell cell, ObjectNode l, boolean timings) {
        List<String> r = new ArrayList<>(List.of(Integer.toString(cell.index()), cell.point().method(), cell.point().spec(),
                cell.shape().toString(), Long.toString(cell.seed()), num(l, "executed_density", "%.3f"), num(l, "rel_l2", "%.5f"),
                num(l, "cosine", "%.5f"), num(l, "mask_mass", "%.4f")));
        if (timings) r.addAll(List.of(num(l, "dense_ms", "%.2f"), num(l, "method_ms", "%.2f"), num(l, "speedup", "%.2fx")));
        r.add(status(l));
        return r;
    }

    static String status(ObjectNode l) {
        if (l == null) return "not run";
        if (!l.path("supported").asBoolean(true)) return "unsupported: " + l.path("reason").asText();
        if (l.has("error")) return "error: " + l.path("error").asText();
        return "ok";
    }

    private static String num(ObjectNode l, String key, String format) {
        if (l == null || !l.path(key).isNumber()) return "";
        return String.format(Locale.ROOT, format, l.path(key).asDouble());
    }

    private static String bool(ObjectNode l, String key) {
        if (l == null || !l.path(key).isBoolean()) return "";
        return l.path(key).asBoolean() ? "yes" : "no";
    }
}
