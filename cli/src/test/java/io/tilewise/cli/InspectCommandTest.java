package io.tilewise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.radial.RadialReference;
import io.tilewise.attention.radial.RadialSpec;
import io.tilewise.attention.spec.MethodSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsTheCostModelAndWritesAReadableTileMapAndJson() throws Exception {
        Path png = dir.resolve("mask.png");
        Path json = dir.resolve("mask.json");
        CliRun run = CliRun.of("inspect", "--method", "radial:decay=1.0,block=16", "--grid", "8,4,4", "--heads", "2",
                "--png", png.toString(), "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("executed density"), run.out());
        assertNotNull(ImageIO.read(png.toFile()), "PNG readable");
        JsonNode node = new ObjectMapper().readTree(json.toFile());
        // token density from the reference mask (pair by pair); radial keeps whole blocks, so tiling adds nothing
        TokenLayout layout = TokenLayout.video(new TokenGrid(8, 4, 4));
        var mask = RadialReference.mask(layout, RadialSpec.parse(MethodSpec.parse("radial:decay=1.0,block=16")));
        long allowed = 0;
        for (int q = 0; q < layout.seqLen(); q++) {
            for (int k = 0; k < layout.seqLen(); k++) if (mask.allowed(q, k)) allowed++;
        }
        double expected = allowed / ((double) layout.seqLen() * layout.seqLen());
        assertEquals(expected, node.get("tokenDensity").asDouble(), 1e-12);
        assertEquals(expected, node.get("executedDensity").asDouble(), 1e-12);
        assertEquals(1.0 / expected, node.get("idealSpeedup").asDouble(), 1e-9);
    }

    /**
     * blocksparse has a tile plan (it used to be refused): every query tile keeps max(1, round(keep·kTiles)) of the
     * kTiles = ⌈4096/tile⌉ key tiles, all whole, so the executed density is that count over kTiles.
     */
    @Test
    void blocksparseIsInspectedAtItsKeptFraction() throws Exception {
        double[] densities = new double[3];
        double[] keeps = {0.1, 0.25, 0.5};
        for (int i = 0; i < keeps.length; i++) {
            Path json = dir.resolve("bs" + i + ".json");
            CliRun run = CliRun.of("inspect", "--method", "blocksparse:keep=" + keeps[i] + ",tile=128", "--grid", "16,16,16", "--json", json.toString());
            assertEquals(0, run.exitCode(), run.err());
            JsonNode node = new ObjectMapper().readTree(json.toFile());
            int kTiles = 4096 / 128;
            double expected = Math.max(1, Math.round(keeps[i] * kTiles)) / (double) kTiles;
            densities[i] = node.get("executedDensity").asDouble();
            assertEquals(expected, densities[i], 1e-12, "keep " + keeps[i]);
            assertEquals(expected, node.get("tokenDensity").asDouble(), 1e-12, "whole tiles only");
        }
        assertEquals(0.25, densities[1], 1e-12);
        assertTrue(densities[0] < densities[1] && densities[1] < densities[2], java.util.Arrays.toString(densities));
        CliRun plain = CliRun.of("inspect", "--method", "blocksparse:keep=0.25", "--grid", "16,16,16");
        assertEquals(0, plain.exitCode(), plain.err());
        assertTrue(plain.out().contains("executed density  0.25"), plain.out());
    }

    @Test
    void denseIsTheAllTilesPlan() {
        CliRun run = CliRun.of("inspect", "--method", "dense", "--seq-len", "1000");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ideal speedup     1.00x"), run.out());
    }

    @Test
    void badHeadOrMethodIsOneLineAndNoFile() {
        Path png = dir.resolve("never.png");
        CliRun bad = CliRun.of("inspect", "--method", "dense", "--seq-len", "100", "--png", png.toString(), "--head", "3");
        assertEquals(2, bad.exitCode());
        assertEquals(1, bad.errLines().length, bad.err());
        assertTrue(bad.err().contains("--head 3 is not in 0..0"), bad.err());
        assertFalse(Files.exists(png));
        CliRun unknown = CliRun.of("inspect", "--method", "nope", "--seq-len", "100");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().startsWith("tilewise inspect: unknown attention method 'nope'"), unknown.err());
    }
}
