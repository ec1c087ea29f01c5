package io.tilewise.pipeline.sweep;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.spec.AttentionMethods;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Predicted densities of policies (dry-run) and the series names wrapped settings are plotted under. */
class PolicyDensityTest {

    private static final AttentionShape SHAPE = new AttentionShape(1, 4, 32, TokenLayout.video(new TokenGrid(8, 16, 16)));

    @Test
    void residualReuseCountsTheDroppedPartAtOneCallInTau() {
        double gna = ((GnaKernel) AttentionMethods.create("gna:window=4x8x8")).plan(SHAPE).executedDensity();
        assertEquals(gna + (1 - gna) / 3, PolicyDensity.density(AttentionMethods.create("cache(tau=3):gna:window=4x8x8"), SHAPE), 1e-12);
        assertEquals(1.0, PolicyDensity.density(AttentionMethods.create("cache(tau=1):gna:window=4x8x8"), SHAPE), 1e-12);
        // dense at step 0 of 4, then the cache: (1 + 3·cached) / 4
        double cached = gna + (1 - gna) / 2;
        assertEquals((1 + 3 * cached) / 4, PolicyDensity.of("dense@steps<1;cache(tau=2):gna:window=4x8x8", SHAPE, 4, 2, true), 1e-12);
    }

    /** blocksparse's plan: each query tile keeps max(1, round(keep·kTiles)) of kTiles = 2048/64 key tiles (it read 1.0 before). */
    @Test
    void blocksparseFollowsItsKeptFraction() {
        for (double keep : new double[] {0.1, 0.25, 0.5}) {
            double expected = Math.max(1, Math.round(keep * 32)) / 32.0;
            assertEquals(expected, PolicyDensity.of("blocksparse:keep=" + keep + ",tile=64", SHAPE, 3, 2, true), 1e-12, "keep " + keep);
            assertEquals(expected + (1 - expected) / 2,
                    PolicyDensity.density(AttentionMethods.create("cache(tau=2):blocksparse:keep=" + keep + ",tile=64"), SHAPE), 1e-12);
        }
    }

    @Test
    void wrappedSettingsFormTheirOwnSeries() {
        assertEquals("gna", new MethodPoint("gna", Map.of("window", "8x8x8"), "gna:window=8x8x8", "gna:window=8x8x8").series());
        assertEquals("gna in cache(tau=3):…",
                new MethodPoint("gna", Map.of("window", "8x8x8"), "gna:window=8x8x8", "cache(tau=3):gna:window=8x8x8").series());
        assertEquals("pisa in dense@steps<2;…",
                new MethodPoint("pisa", Map.of(), "pisa:density=0.1", "dense@steps<2;pisa:density=0.1").series());
    }
}
