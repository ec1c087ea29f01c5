package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.api.Support;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.run.Pipeline;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A sweep ready to check or run: its spec, its cells in run order and the runner of its level. Closing it closes
 * the pipelines it opened.
 */
public final class Sweep implements AutoCloseable {

    /** A cell as the dry run shows it. */
    public record Check(SweepCell cell, Support support, double density, double predictedSeconds) {
    }

    private final SweepSpec spec;
    private final List<SweepCell> cells;
    private final CellRunner runner;
    private final ModelCard config;
    private final Map<String, Double> densities = new HashMap<>();

    private Sweep(SweepSpec spec, List<SweepCell> cells, CellRunner runner, ModelCard config) {
        this.spec = spec;
        this.cells = List.copyOf(cells);
        this.runner = runner;
        this.config = config;
    }

    /**
     * A generation sweep on a model of any family, known by its card ({@link io.tilewise.pipeline.family.ModelFolders#card}).
     *
     * @param pipelines opens the model with the given options (pipelines open on first use)
     * @param dir       the sweep's output folder (dense reference videos live there)
     */
    public static Sweep generation(SweepSpec spec, ModelCard card, Function<Pipeline.Options, Pipeline> pipelines,
                                   Pipeline.Options options, Path dir) {
        if (spec.level() != SweepSpec.Level.GENERATION) throw new IllegalArgumentException("not a generation sweep");
        return new Sweep(spec, SweepGrid.cells(spec, card.defaults()), new GenerationCells(spec, card, pipelines, options, dir), card);
    }

    /** An operator-level sweep. */
    public static Sweep attention(SweepSpec spec) {
        if (spec.level() != SweepSpec.Level.ATTENTION) throw new IllegalArgumentException("not an attention sweep");
        return new Sweep(spec, SweepGrid.cells(spec, null), new AttentionCells(spec), null);
    }

    public SweepSpec spec() {
        return spec;
    }

    public List<SweepCell> cells() {
        return cells;
    }

    CellRunner runner() {
        return runner;
    }

    /** Each cell: supported or why not, expected executed density, predicted seconds. */
    public List<Check> check(Map<String, ObjectNode> finished) {
        CostModel cost = costModel(finished);
        return cells.stream().map(c -> check(c, cost)).toList();
    }

    Check check(SweepCell cell, CostModel cost) {
        Support s = runner.support(cell);
        if (!s.supported()) return new Check(cell, s, Double.NaN, 0);
        double density;
        try {
            density = density(cell);
        } catch (RuntimeException e) {
            return new Check(cell, Support.no(e.getMessage()), Double.NaN, 0);
        }
        return new Check(cell, s, density, runner.predictedSeconds(cell, cost));
    }

    double density(SweepCell cell) {
        String key = cell.point().label() + "|" + (cell.size() != null ? cell.size() : cell.shape());
        return densities.computeIfAbsent(key, k -> runner.expectedDensity(cell));
    }

    CostModel costModel(Map<String, ObjectNode> finished) {
        return config == null ? CostModel.assumed() : CostModel.from(finished.values(), config);
    }

    @Override
    public void close() {
        runner.close();
    }
}
