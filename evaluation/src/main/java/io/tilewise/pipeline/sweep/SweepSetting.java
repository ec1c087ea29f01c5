package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One setting of a sweep (a policy on one size, or a method spec on one shape; {@code series}: see
 * {@link MethodPoint#series()}) summarized over its prompts, seeds or
 * input sets: mean speedup, mean and lowest PSNR, whether every clip read as dense's, mean error and density.
 * Cells that were unsupported or failed are left out.
 */
public record SweepSetting(String series, String policy, String where, int cells, double speedup, double psnr,
                           double minPsnr, boolean adherenceAsDense, double relL2, double density) {

    public static List<SweepSetting> of(List<SweepCell> cells, Map<String, ObjectNode> lines) {
        Map<String, List<ObjectNode>> byKey = new LinkedHashMap<>();
        Map<String, SweepCell> first = new LinkedHashMap<>();
        for (SweepCell c : cells) {
            ObjectNode l = lines.get(c.key());
            if (c.point().isDense() && c.level() == SweepSpec.Level.GENERATION) continue;
            if (l == null || !"ok".equals(SweepTable.status(l))) continue;
            String key = c.point().label() + " | " + where(c);
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
            first.putIfAbsent(key, c);
        }
        List<SweepSetting> out = new ArrayList<>();
        byKey.forEach((key, ls) -> {
            SweepCell c = first.get(key);
            out.add(new SweepSetting(c.point().series(), c.point().label(), where(c), ls.size(), mean(ls, "speedup"),
                    mean(ls, "psnr_mean"), ls.stream().mapToDouble(l -> Lines.number(l, "psnr_min")).min().orElse(Double.NaN),
                    ls.stream().allMatch(l -> l.path("adherence_matches_dense").asBoolean(true)), mean(ls, "rel_l2"),
                    mean(ls, "executed_density")));
        });
        return out;
    }

    private static String where(SweepCell c) {
        return c.size() != null ? c.size().toString() : c.shape().toString();
    }

    private static double mean(List<ObjectNode> ls, String key) {
        return ls.stream().mapToDouble(l -> Lines.number(l, key)).average().orElse(Double.NaN);
    }
}
