package io.tilewise.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.probe.ProbeSampler;
import io.tilewise.pipeline.quality.FrameMetrics;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.testkit.TinyComparison;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real comparison on a random tiny model, and the report files written from it. */
class ComparisonTest {

    @TempDir
    static Path dir;
    private static ComparisonResult result;
    private static List<Path> written;

    @BeforeAll
    static void compare() {
        result = TinyComparison.run(dir.resolve("model"));
        written = ComparisonReport.write(result, dir.resolve("report"));
    }

    @Test
    void everyPolicyIsMeasuredAgainstDense() {
        assertEquals(TinyComparison.POLICIES, result.methods().stream().map(m -> m.run().policy()).toList());
        assertEquals("dense", result.dense().policy());
        assertEquals(1.0, result.dense().executedDensity());
        for (MethodOutcome m : result.methods()) {
            assertEquals(TinyComparison.BASE.frames(), m.quality().psnr().length);
            assertTrue(m.speedup() > 0 && Double.isFinite(m.speedup()), m.run().policy() + " speedup " + m.speedup());
            assertTrue(m.quality().minPsnr() <= m.quality().meanPsnr());
            assertTrue(m.run().executedDensity() > 0 && m.run().executedDensity() <= 1);
            assertFalse(m.diagnosis().findings().isEmpty(), m.run().policy());
        }
    }

    @Test
    void sparseMethodsDifferFromDenseAndTheExactLimitDoesNot() {
        MethodOutcome radial = result.methods().get(0), pisa = result.methods().get(1), exact = result.methods().get(2);
        assertTrue(radial.run().executedDensity() < 1 && pisa.run().executedDensity() < 1);
        assertTrue(radial.quality().latentRelativeError() > 1e-4, "radial " + radial.quality().latentRelativeError());
        assertTrue(pisa.quality().latentRelativeError() > 1e-4, "pisa " + pisa.quality().latentRelativeError());
        assertTrue(exact.quality().meanPsnr() > 60, "window = grid is dense: " + exact.quality().meanPsnr());
        assertTrue(exact.quality().latentRelativeError() < 1e-4, "exact: " + exact.quality().latentRelativeError());
        assertTrue(radial.quality().meanPsnr() < FrameMetrics.PSNR_CAP);
    }

    @Test
    void probedRunsCoverEveryStepAndLayerOfTheConditionalBranch() {
        for (MethodOutcome m : result.methods()) {
            List<ProbeRecord> probes = m.run().probes();
            assertEquals(3 * 2, probes.size(), m.run().policy());
            assertEquals(2, m.diagnosis().layers().size());
        }
        MethodOutcome exact = result.methods().get(2);
        assertTrue(exact.run().probes().stream().allMatch(r -> Math.abs(r.maskMass() - 1) < 1e-5 && r.relL2() < 1e-5));
        MethodOutcome radial = result.methods().getFirst();
        assertTrue(radial.run().probes().stream().allMatch(r -> r.maskMass() < 1 && r.relL2() > 0));
    }

    @Test
    void unsupportedPoliciesFailBeforeAnythingRuns() {
        CompareRequest bad = new CompareRequest(TinyComparison.BASE, List.of("radial:decay=0.5", "gna:window=9x9x9"), 1,
                ProbeSampler.every(1), null);
        int[] runs = {0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Comparison.run(bad,
                o -> Pipeline.open(dir.resolve("model"), o), new Pipeline.Options(1, null), line -> runs[0]++));
        assertTrue(e.getMessage().contains("gna:window=9x9x9"), e.getMessage());
        assertEquals(0, runs[0], "nothing may run before the check");
    }

    @Test
    void reportFilesAreCompleteAndOffline() throws Exception {
        Path report = dir.resolve("report");
        for (String name : List.of("report.json", "report.md", "report.html", "pareto.png", "psnr-per-frame.png",
                "method-1-radial.webm", "method-1-radial-error.png", "method-2-pisa-mass.png", "method-3-gna.webm")) {
            assertTrue(Files.size(report.resolve(name)) > 100, name);
            assertTrue(written.contains(report.resolve(name)), name);
        }
        try (var files = Files.list(report)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".part")), "no temporary files left");
        }
        JsonNode json = new ObjectMapper().readTree(report.resolve("report.json").toFile());
        assertEquals(3, json.get("methods").size());
        JsonNode radial = json.get("methods").get(0);
        assertEquals("radial", radial.get("method").asText());
        assertEquals(4, radial.get("psnr").get("per_frame").size());
        assertEquals(6, radial.get("probes").size());
        assertEquals(result.methods().getFirst().speedup(), radial.get("speedup").asDouble(), 1e-12);
        String md = Files.readString(report.resolve("report.md"));
        for (String p : TinyComparison.POLICIES) assertTrue(md.contains("## " + p), p);
        assertTrue(md.contains("| policy | wall s |"), md);
        String html = Files.readString(report.resolve("report.html"));
        assertFalse(Pattern.compile("(src|href)\\s*=\\s*[\"']?(https?:)?//").matcher(html).find(), "no network references");
        assertEquals(3, count(html, "data:video/webm;base64,"));
        assertEquals(2 + 3 * 2, count(html, "data:image/png;base64,"));
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
