package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.family.ModelCard;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Predicted cell times: FLOP counts at two rates, calibrated on a measured dense cell. */
class CostModelTest {

    private static final ModelConfig TINY = TinyModels.config(128, 4, 4, 16, 2, 2, 32, new int[] {8, 12, 12});
    private static final ModelCard CONFIG = TinyDitModel.card(TINY);
    private static final VideoSize SIZE = new VideoSize(16, 64, 64);

    @Test
    void flopsFollowTheModelAndTheGrid() {
        // 16x16x16 tokens = 4096; 4 blocks x 20 steps x 2 branches; 4·N²·headDim·heads per call.
        assertEquals(4.0 * 4096 * 4096 * 32 * 4 * 4 * 20 * 2, CostModel.attentionFlops(CONFIG, SIZE, 20, true, 1.0), 1);
        assertEquals(2.0 * 128 * 128 * (6 + 2 * TINY.mlpRatio()) * 4096 * 4 * 20, CostModel.stageFlops(CONFIG, SIZE, 20, false), 1);
    }

    @Test
    void aMeasuredDenseCellCalibratesBothRates() {
        ObjectNode dense = SweepLog.MAPPER.createObjectNode();
        dense.put("level", "generation").put("policy", "dense").put("size", "16x64x64").put("steps", 20).put("guidance", 4.0)
                .put("attention_seconds", 9.0).put("stage_seconds", 5.0);
        CostModel cost = CostModel.from(List.of(dense), CONFIG);
        assertTrue(cost.calibrated());
        // A dense cell: the timed run is 14 s, plus its 1-step warm-up.
        assertEquals(14.0 * 21 / 20, cost.generationSeconds(CONFIG, SIZE, 20, true, 1.0, false), 1e-9);
        double sparse = cost.generationSeconds(CONFIG, SIZE, 20, true, 0.25, false);
        assertEquals((9.0 * 0.25 + 5.0) * 21 / 20, sparse, 1e-9);
        assertFalse(CostModel.from(List.of(), CONFIG).calibrated());
    }
}
