package io.tilewise.cli;

import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sweep --dry-run} predicts every plan-based method's density (blocksparse used to read 1.000). */
class SweepDryRunDensityTest {

    @TempDir
    Path dir;

    @Test
    void blocksparseDensityFollowsKeep() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path spec = dir.resolve("sweep.json");
        Files.writeString(spec, """
                {"methods": [{"method": "blocksparse", "params": {"keep": [0.1, 0.5], "tile": [16]}}],
                 "prompts": ["a red circle"], "seeds": [0], "sizes": ["2x32x32"], "steps": 2}
                """);
        CliRun dry = CliRun.of("sweep", "--spec", spec.toString(), "--out", dir.resolve("out").toString(), "--model", model.toString(),
                "--dry-run");
        assertEquals(0, dry.exitCode(), dry.err());
        // patch 1x4x4: 2·8·8 = 128 tokens, 8 key tiles of 16; a query tile keeps max(1, round(keep·8)) of them
        assertEquals(1 / 8.0, density(dry.out(), "keep=0.1"), 5e-4, dry.out());
        assertEquals(4 / 8.0, density(dry.out(), "keep=0.5"), 5e-4, dry.out());
    }

    /** The density column of the dry run's line for the cell whose key contains {@code marker}. */
    static double density(String listing, String marker) {
        for (String line : listing.split("\n")) {
            if (!line.contains(marker)) continue;
            String[] cols = line.trim().split("\\s+");
            assertTrue(cols.length > 3, line);
            return Double.parseDouble(cols[2].replace(',', '.').toLowerCase(Locale.ROOT));
        }
        throw new AssertionError("no cell with " + marker + " in\n" + listing);
    }
}
