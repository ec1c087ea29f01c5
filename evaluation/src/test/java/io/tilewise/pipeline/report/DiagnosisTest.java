package io.tilewise.pipeline.report;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.quality.VideoQuality;
import io.tilewise.pipeline.run.Timings;
import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The goal check and its explanations: Amdahl's bound on dense's split, the worst probed layer, adherence. */
class DiagnosisTest {

    private static final AttentionShape SHAPE = new AttentionShape(1, 4, 32, TokenLayout.video(new TokenGrid(16, 16, 16)));
    private static final Video VIDEO = new Video(1, 2, 2, new float[12]);
    private static final ClipReading RED_RIGHT = new ClipReading("blue", "red", "circle", "right", 0.1, 0.8);
    private static final CompareRequest.Targets GOAL = new CompareRequest.Targets(1.8, 28);

    @Test
    void speedShortfallNamesTheDensityTheTargetNeeds() {
        PolicyRun dense = run("dense", 10, 6, 1.0, List.of());
        PolicyRun method = run("pisa:density=0.5", 8, 4, 0.5, List.of());
        Diagnosis d = Diagnosis.of(GOAL, SHAPE, dense, method, quality(35), 10 / 8.0, 6 / 4.0, RED_RIGHT, RED_RIGHT, true);
        assertFalse(d.meetsSpeedup());
        assertTrue(d.meetsPsnr() && d.meetsAdherence());
        // a = 0.6: 1.8x needs attention at (1/1.8 - 0.4) / 0.6 of dense's.
        assertEquals((1 / 1.8 - 0.4) / 0.6, d.densityForTarget(), 1e-12);
        assertEquals(2.5, d.speedupBound(), 1e-12);
        String finding = d.findings().getFirst();
        assertTrue(finding.contains("speed 1.25x is 0.55x short of 1.80x") && finding.contains("<= 0.26")
                && finding.contains("executes density 0.50"), finding);
    }

    @Test
    void whenAttentionIsTooSmallAShareNoMethodCanGetThere() {
        PolicyRun dense = run("dense", 10, 4, 1.0, List.of());
        PolicyRun method = run("gna:window=4x8x8", 7, 1, 0.1, List.of());
        Diagnosis d = Diagnosis.of(GOAL, SHAPE, dense, method, quality(35), 10 / 7.0, 4.0, RED_RIGHT, RED_RIGHT, true);
        assertTrue(Double.isNaN(d.densityForTarget()));
        assertTrue(d.findings().getFirst().contains("even free attention gives at most 1.67x"), d.findings().getFirst());
    }

    @Test
    void qualityShortfallPointsAtTheWorstLayerAndAdherenceAtTheReadings() {
        List<ProbeRecord> probes = List.of(
                new ProbeRecord(0, 0, Branch.COND, "x", 0.05, 0.99, 0.97, 0.9, 0.3),
                new ProbeRecord(0, 1, Branch.COND, "x", 0.30, 0.95, 0.71, 0.4, 0.3),
                new ProbeRecord(2, 1, Branch.COND, "x", 0.50, 0.90, 0.61, 0.3, 0.3));
        PolicyRun dense = run("dense", 10, 8, 1.0, List.of());
        PolicyRun method = run("radial:decay=0.2,block=32", 5, 3, 0.46, probes);
        ClipReading left = new ClipReading("blue", "red", "circle", "left", 0.1, 0.8);
        Diagnosis d = Diagnosis.of(GOAL, SHAPE, dense, method, quality(20), 2.0, 8 / 3.0, RED_RIGHT, left, false);
        assertTrue(d.meetsSpeedup());
        assertFalse(d.meetsPsnr() || d.meetsAdherence() || d.meetsGoal());
        String q = d.findings().stream().filter(f -> f.startsWith("mean PSNR")).findFirst().orElseThrow();
        assertTrue(q.contains("8.0 dB short") && q.contains("layer 1 (mean relative L2 0.400, worst 0.500 at step 2)")
                && q.contains("66.0 % of dense's softmax mass"), q);
        assertTrue(d.findings().stream().anyMatch(f -> f.contains("dense's clip reads red circle moving right")
                && f.contains("this one red circle moving left")), d.findings().toString());
        assertTrue(d.findings().stream().anyMatch(f -> f.startsWith("radial's density floor on grid 16x16x16 at block 32 is 0.46")),
                d.findings().toString());
        assertEquals(2, d.layers().size());
        assertEquals(0.61, d.layers().get(1).minMaskMass(), 1e-12);
    }

    private static PolicyRun run(String policy, double seconds, double attention, double density, List<ProbeRecord> probes) {
        Timings t = new Timings((long) (seconds * 1e9), (long) ((seconds - attention) * 1e9), (long) (attention * 1e9), 0);
        return new PolicyRun(policy, policy, VIDEO, List.of(t), density, probes);
    }

    private static VideoQuality quality(double psnr) {
        return new VideoQuality(new double[] {psnr + 1, psnr - 1}, new double[] {0.9, 0.8}, 0.05);
    }
}
