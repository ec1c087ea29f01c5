package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.model.ModelConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The cells of a sweep, in run order. Generation: per size, prompt and seed, the dense reference first, then every
 * method setting; operator level: per shape and seed (one input set for captured inputs), every setting (dense is
 * measured inside each cell). Duplicate settings are kept once.
 */
public final class SweepGrid {

    private SweepGrid() {
    }

    /** @param defaults the model's default size, used when the spec lists no sizes (generation only; may be null otherwise) */
    public static List<SweepCell> cells(SweepSpec spec, ModelConfig.Defaults defaults) {
        Set<MethodPoint> points = new LinkedHashSet<>();
        for (MethodAxis axis : spec.methods()) points.addAll(axis.points());
        List<SweepCell> cells = new ArrayList<>();
        if (spec.level() == SweepSpec.Level.GENERATION) {
            points.remove(MethodPoint.dense());
            List<VideoSize> sizes = spec.sizes().isEmpty()
                    ? List.of(new VideoSize(defaults.frames(), defaults.height(), defaults.width())) : spec.sizes();
            for (VideoSize size : sizes) {
                for (String prompt : spec.prompts()) {
                    for (long seed : spec.seeds()) {
                        cells.add(SweepCell.generation(cells.size(), MethodPoint.dense(), prompt, seed, size));
                        for (MethodPoint p : points) cells.add(SweepCell.generation(cells.size(), p, prompt, seed, size));
                    }
                }
            }
        } else {
            for (OperatorShape shape : spec.shapes()) {
                List<Long> seeds = shape.captured() ? List.of(0L) : spec.seeds();
                for (long seed : seeds) {
                    for (MethodPoint p : points) cells.add(SweepCell.attention(cells.size(), p, shape, seed));
                }
            }
        }
        return cells;
    }
}
