package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.api.Support;

import java.util.Map;

/** Checks, predicts and runs the cells of one sweep level. */
interface CellRunner extends AutoCloseable {

    /** Whether the cell can run, without running it. */
    Support support(SweepCell cell);

    /** The executed density the cell is expected to have (NaN when unknown). */
    double expectedDensity(SweepCell cell);

    double predictedSeconds(SweepCell cell, CostModel cost);

    /**
     * Runs a supported cell and puts its measurements into {@code line}.
     *
     * @param finished the lines of finished cells by key (dense references of earlier cells)
     */
    void run(SweepCell cell, Map<String, ObjectNode> finished, ObjectNode line);

    @Override
    void close();
}
