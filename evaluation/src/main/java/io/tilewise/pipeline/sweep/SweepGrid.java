package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.family.GenerationDefaults;
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

    /** Most cells a sweep may have: far beyond any useful grid, small enough that listing the cells is cheap. */
    public static final long MAX_CELLS = 100_000;

    /**
     * The number of cells {@link #cells} would list (before duplicate settings are dropped), counted without building
     * them, so a small spec file cannot ask for billions; at most {@link #MAX_CELLS}, else one-line error.
     */
    public static long checkSize(SweepSpec spec, String source) {
        long points = 0;
        for (MethodAxis axis : spec.methods()) {
            long n = 1;
            for (List<String> values : axis.params().values()) n = capped(n, values.size());
            points = Math.min(points + n, MAX_CELLS + 1);
        }
        long cells;
        if (spec.level() == SweepSpec.Level.GENERATION) {
            long groups = capped(capped(Math.max(1, spec.sizes().size()), spec.prompts().size()), spec.seeds().size());
            cells = capped(groups, points + 1);
        } else {
            cells = 0;
            for (OperatorShape shape : spec.shapes()) {
                cells = Math.min(cells + capped(shape.captured() ? 1 : spec.seeds().size(), points), MAX_CELLS + 1);
            }
        }
        if (cells > MAX_CELLS) {
            throw new IllegalArgumentException(source + ": the sweep has " + (cells > MAX_CELLS ? "more than " + MAX_CELLS : cells)
                    + " cells (methods x parameter values x prompts x seeds x sizes); at most " + MAX_CELLS + " are allowed");
        }
        return cells;
    }

    private static long capped(long a, long b) {
        return a == 0 || b == 0 ? 0 : (a > (MAX_CELLS + 1) / b + 1 ? MAX_CELLS + 1 : Math.min(a * b, MAX_CELLS + 1));
    }

    /** @param defaults the model's default size, used when the spec lists no sizes (generation only; may be null otherwise) */
    public static List<SweepCell> cells(SweepSpec spec, ModelConfig.Defaults defaults) {
        return cellsFor(spec, defaults == null ? null : new GenerationDefaults(defaults.frames(), defaults.height(), defaults.width(),
                defaults.steps(), defaults.guidance(), defaults.shift()));
    }

    /** @param defaults the model's default generation, used when the spec lists no sizes (may be null for attention sweeps) */
    public static List<SweepCell> cellsFor(SweepSpec spec, GenerationDefaults defaults) {
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
