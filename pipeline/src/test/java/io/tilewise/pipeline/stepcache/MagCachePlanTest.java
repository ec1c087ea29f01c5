package io.tilewise.pipeline.stepcache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagCachePlanTest {

    @Test
    void writesReadsAndGivesSuccessiveRatios(@TempDir Path dir) {
        MagCachePlan plan = new MagCachePlan("tiny", "a red circle", 3, new double[][] {{2, 1, 0.5, 0.25}, {4, 4, 2, 1}});
        Path file = dir.resolve("p.magcache.json");
        plan.write(file);
        MagCachePlan back = MagCachePlan.read(file);
        assertEquals("tiny", back.modelId());
        assertArrayEquals(new double[] {1, 0.5, 0.5, 0.5}, back.ratios(0, 4), 1e-15);
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5}, back.ratios(1, 4), 1e-15);
    }

    @Test
    void refusesAnotherStepCountAndBadFilesInOneLine(@TempDir Path dir) throws Exception {
        MagCachePlan plan = new MagCachePlan("tiny", "", 0, new double[][] {{1, 2, 3}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.ratios(0, 30));
        assertEquals("magcache plan was calibrated for 3 steps, the run has 30; calibrate with --steps 30", e.getMessage());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"other\"}");
        e = assertThrows(IllegalArgumentException.class, () -> MagCachePlan.read(bad));
        assertTrue(e.getMessage().startsWith("magcache plan " + bad + " is not a tilewise-magcache-1 file"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MagCachePlan("tiny", "", 0, new double[][] {{1, 0}}));
    }
}
