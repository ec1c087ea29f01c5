package io.tilewise.pipeline.report;

import io.tilewise.pipeline.probe.ProbeRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The probed error of one layer over the sampled steps: mean and worst relative L2 (and at which step), and the
 * dense softmax mass inside the method's mask (mean, and the lowest step mean).
 */
public record LayerError(int layer, int calls, double meanRelL2, double maxRelL2, int stepOfMax, double meanMaskMass,
                         double minMaskMass) {

    /** Per layer, in layer order. */
    public static List<LayerError> of(List<ProbeRecord> records) {
        Map<Integer, List<ProbeRecord>> byLayer = new TreeMap<>();
        for (ProbeRecord r : records) byLayer.computeIfAbsent(r.layer(), l -> new ArrayList<>()).add(r);
        List<LayerError> out = new ArrayList<>();
        byLayer.forEach((layer, rs) -> {
            ProbeRecord worst = rs.stream().max((a, b) -> Double.compare(a.relL2(), b.relL2())).orElseThrow();
            out.add(new LayerError(layer, rs.size(), rs.stream().mapToDouble(ProbeRecord::relL2).average().orElse(Double.NaN),
                    worst.relL2(), worst.step(), rs.stream().mapToDouble(ProbeRecord::maskMass).average().orElse(Double.NaN),
                    rs.stream().mapToDouble(ProbeRecord::maskMass).min().orElse(Double.NaN)));
        });
        return out;
    }
}
