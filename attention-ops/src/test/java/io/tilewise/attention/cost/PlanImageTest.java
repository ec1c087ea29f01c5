package io.tilewise.attention.cost;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanImageTest {

    @TempDir
    Path dir;

    @Test
    void drawsExactSkippedAndApproximatedTilesWhereThePlanHasThem() throws Exception {
        BlockSparsePlan plan = BlockSparsePlan.builder(256, 64, 64, 1)
                .addFull(0, 0, 0).addApprox(0, 0, 3)
                .addFull(0, 1, 1).addFull(0, 2, 2).addFull(0, 3, 3).build();
        BufferedImage image = PlanImage.render(plan, TokenLayout.sequence(256), 0);
        int cell = 16;
        int white = 0xffffff;
        assertNotEquals(white, image.getRGB(cell / 2, cell / 2) & 0xffffff, "tile (0,0) is exact");
        assertEquals(white, image.getRGB(cell + cell / 2, cell / 2) & 0xffffff, "tile (0,1) is skipped");
        assertEquals(0xf0a030, image.getRGB(3 * cell + cell / 2, cell / 2) & 0xffffff, "tile (0,3) is approximated");
        Path png = dir.resolve("mask.png");
        PlanImage.writePng(image, png);
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(image.getWidth(), back.getWidth());
    }

    @Test
    void costOfAPlanCountsExactAndApproximatedWork() {
        BlockSparsePlan plan = BlockSparsePlan.builder(256, 64, 64, 1)
                .addFull(0, 0, 0).addApprox(0, 0, 1)
                .addFull(0, 1, 1).addFull(0, 2, 2).addFull(0, 3, 3).build();
        AttentionShape shape = AttentionShape.of(1, 2, 256, 32);
        CostEstimate c = CostEstimate.of(shape, plan);
        assertEquals(0.25, c.executedDensity(), 1e-12);
        double perPair = 4.0 * 32 * 2;
        assertEquals(perPair * (4 * 64 * 64 + 64), c.flops(), 1e-6);
        assertTrue(c.idealSpeedup() > 3.9 && c.idealSpeedup() < 4.0, () -> "ideal " + c.idealSpeedup());
    }
}
