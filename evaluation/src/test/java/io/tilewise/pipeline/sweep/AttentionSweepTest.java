package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Operator-level sweeps on synthetic and captured q/k/v, the dry run's listing, and the report files. */
class AttentionSweepTest {

    @TempDir
    Path dir;

    private SweepSpec spec() throws Exception {
        try (Tensor q = Tensor.randomNormal(5, 2f, 1, 2, 128, 16); Tensor k = Tensor.randomNormal(6, 2f, 1, 2, 128, 16);
             Tensor v = Tensor.randomNormal(7, 1f, 1, 2, 128, 16)) {
            Npy.write(dir.resolve("q.npy"), NpyArray.of(q));
            Npy.write(dir.resolve("k.npy"), NpyArray.of(k));
            Npy.write(dir.resolve("v.npy"), NpyArray.of(v));
        }
        return SweepSpecReader.parse("""
                {"level": "attention",
                 "methods": [{"method": "dense"}, {"method": "gna", "params": {"window": ["2x8x8", "2x5x5", "4x9x9"]}},
                             {"method": "pisa", "params": {"density": [0.25], "block": [16]}}],
                 "shapes": [{"grid": "2x8x8", "heads": 2, "head_dim": 16, "std": 2},
                            {"grid": "2x8x8", "heads": 2, "head_dim": 16, "q": "q.npy", "k": "k.npy", "v": "v.npy"}],
                 "seeds": [1, 2], "repeats": 1}
                """, "s.json", dir);
    }

    @Test
    void cellsMeasureErrorMassAndSpeedAgainstDense() throws Exception {
        Path out = dir.resolve("out");
        SweepRunner.Outcome outcome;
        try (Sweep sweep = Sweep.attention(spec())) {
            assertEquals(5 * 2 + 5, sweep.cells().size(), "captured inputs are one input set");
            outcome = SweepRunner.run(sweep, "{}", out, false, new SweepRunner.Listener() { });
        }
        Map<String, ObjectNode> lines = outcome.lines();
        ObjectNode dense = lines.get("dense | 2x8x8 h2 d16 std 2.0 | seed 1");
        assertEquals(0.0, dense.path("rel_l2").asDouble());
        ObjectNode exact = lines.get("gna:window=2x8x8 | 2x8x8 h2 d16 std 2.0 | seed 1");
        assertTrue(exact.path("rel_l2").asDouble() < 1e-5 && Math.abs(exact.path("mask_mass").asDouble() - 1) < 1e-5, exact.toString());
        ObjectNode local = lines.get("gna:window=2x5x5 | 2x8x8 h2 d16 captured q.npy");
        assertTrue(local.path("mask_mass").asDouble() < 1 && local.path("rel_l2").asDouble() > 1e-3, local.toString());
        assertTrue(local.path("executed_density").asDouble() < 1 && local.path("speedup").asDouble() > 0);
        ObjectNode tooBig = lines.get("gna:window=4x9x9 | 2x8x8 h2 d16 captured q.npy");
        assertTrue(!tooBig.path("supported").asBoolean() && tooBig.path("reason").asText().contains("window"), tooBig.toString());
        ObjectNode pisa = lines.get("pisa:density=0.25,block=16 | 2x8x8 h2 d16 std 2.0 | seed 2");
        assertTrue(pisa.path("mask_mass").asDouble() < 0.95, pisa.toString());
        for (String f : new String[] {"results.jsonl", "sweep.json", "table.md", "pareto.png", "report.html"}) {
            assertTrue(Files.size(out.resolve(f)) > 1, f);
        }
        assertTrue(Files.readString(out.resolve("table.md")).contains("| rel L2 |"));
    }

    @Test
    void dryRunListsEveryCellWithSupportAndPredictedCost() throws Exception {
        try (Sweep sweep = Sweep.attention(spec())) {
            String listing = DryRun.listing(sweep, Map.of());
            assertEquals(1 + sweep.cells().size() + 3 + 1, listing.lines().count(), listing); // header, cells, 3 reasons, totals
            assertTrue(listing.contains("unsupported") && listing.contains("why: gna:window=4x9x9 on 2x8x8"), listing);
            assertTrue(listing.contains("15 cells: 12 supported, 3 unsupported, 0 already finished"), listing);
            for (Sweep.Check c : sweep.check(Map.of())) {
                if (c.support().supported()) assertTrue(c.predictedSeconds() > 0 && c.density() > 0 && c.density() <= 1, c.toString());
                else assertTrue(c.support().reason().contains("window"), c.support().reason());
            }
        }
        assertTrue(!Files.exists(dir.resolve("out")), "a dry run writes nothing");
    }
}
