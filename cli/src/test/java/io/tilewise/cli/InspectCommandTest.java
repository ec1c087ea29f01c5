package io.tilewise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.PlannedKernel;
import io.tilewise.attention.spec.AttentionMethods;
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
        AttentionShape shape = new AttentionShape(1, 2, 64, TokenLayout.video(new TokenGrid(8, 4, 4)));
        double expected = ((PlannedKernel) AttentionMethods.create("radial:decay=1.0,block=16")).plan(shape).executedDensity();
        assertEquals(expected, node.get("executedDensity").asDouble(), 1e-12);
        assertEquals(1.0 / expected, node.get("idealSpeedup").asDouble(), 1e-9);
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
