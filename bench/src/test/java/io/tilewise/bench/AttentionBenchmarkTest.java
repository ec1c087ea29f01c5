package io.tilewise.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionBenchmarkTest {

    private static final AttentionShape SHAPE = AttentionShape.of(1, 2, 96, 16);

    @Test
    void rowsCarryEveryFieldAndDenseIsItsOwnBaseline() {
        List<BenchRow> rows = AttentionBenchmark.run(
                new BenchRequest(SHAPE, List.of("dense", "ort-mha", "blocksparse:keep=0.5,tile=32"), 2, 1, 0, 7), s -> { });
        assertEquals(List.of("dense", "ort-mha", "blocksparse"), rows.stream().map(BenchRow::method).toList());
        for (BenchRow r : rows) {
            assertEquals(SHAPE.batch(), r.batch());
            assertEquals(SHAPE.heads(), r.heads());
            assertEquals(SHAPE.seqLen(), r.seqLen());
            assertEquals(SHAPE.headDim(), r.headDim());
            assertEquals(2, r.repeats());
            assertTrue(r.medianMs() > 0 && r.minMs() <= r.medianMs(), r::toString);
            assertTrue(r.prepareMs() >= 0, r::toString);
            assertEquals(SHAPE.denseFlops() * r.executedDensity() / (r.medianMs() * 1e6), r.gflops(), 1e-9 * r.gflops());
            assertTrue(r.speedupVsDense() > 0 && Double.isFinite(r.speedupVsDense()), r::toString);
            assertTrue(r.threads() >= 1, r::toString);
        }
        BenchRow dense = rows.get(0);
        assertEquals(1.0, dense.speedupVsDense());
        assertEquals(0.0, dense.relL2VsDense());
        assertEquals(1.0, dense.executedDensity());
        BenchRow ort = rows.get(1);
        assertTrue(ort.relL2VsDense() <= 1e-4, () -> "ort-mha vs our dense: " + ort.relL2VsDense());
        assertEquals(1.0, ort.executedDensity());
        BenchRow sparse = rows.get(2);
        assertTrue(sparse.executedDensity() < 1 && sparse.executedDensity() > 0, sparse::toString);
        assertTrue(sparse.relL2VsDense() > 1e-3, () -> "half the tiles dropped must change the output: " + sparse);
    }

    @Test
    void denseIsMeasuredEvenWhenNotListed() {
        List<BenchRow> rows = AttentionBenchmark.run(
                new BenchRequest(SHAPE, List.of("blocksparse:keep=1,tile=32"), 2, 0, 0, 3), s -> { });
        assertEquals(1, rows.size());
        BenchRow exact = rows.getFirst();
        assertEquals(1.0, exact.executedDensity());
        assertTrue(exact.relL2VsDense() <= 1e-5, exact::toString);
        assertTrue(exact.speedupVsDense() > 0 && Double.isFinite(exact.speedupVsDense()));
    }

    @Test
    void badMethodListsFailBeforeAnythingRuns() {
        SpecException unknown = assertThrows(SpecException.class, () -> AttentionBenchmark.run(
                new BenchRequest(SHAPE, List.of("dense", "nope"), 1, 0, 0, 1), s -> { }));
        assertTrue(unknown.getMessage().contains("ort-mha") && unknown.getMessage().contains("blocksparse"), unknown.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> AttentionBenchmark.run(
                new BenchRequest(SHAPE, List.of("ort-mha", "ort-mha"), 1, 0, 0, 1), s -> { }));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BenchRequest(SHAPE, List.of("dense"), 0, 0, 0, 1));
    }

    /** --threads reaches our kernels and ORT alike, in this JVM, whatever the default is. */
    @Test
    void threadsAreHonoredByOurKernelsAndOrt() {
        for (int threads : new int[] {1, 3}) {
            List<BenchRow> rows = AttentionBenchmark.run(
                    new BenchRequest(SHAPE, List.of("dense", "ort-mha", "blocksparse:keep=0.5,tile=32"), 1, 0, threads, 7), s -> { });
            for (BenchRow r : rows) assertEquals(threads, r.threads(), r::toString);
        }
    }

    /** The estimate is checked before q, k, v are allocated: one line naming it and the limit. */
    @Test
    void aRunOverTheMemoryLimitIsRefusedFirst() {
        AttentionShape big = AttentionShape.of(1, 40, 75_600, 128);
        var e = assertThrows(io.tilewise.attention.memory.MemoryLimitException.class, () -> AttentionBenchmark.run(
                new BenchRequest(big, List.of("dense", "ort-mha"), 1, 0, 0, 1,
                        io.tilewise.attention.memory.MemoryLimit.of("1g", "--memory-limit")), s -> { }));
        assertTrue(e.getMessage().contains("needs an estimated 13.0 GiB") && e.getMessage().contains("memory limit of 1.0 GiB"),
                e.getMessage());
        assertEquals(9L * 40 * 75_600 * 128 * 4 + 2363L * 591 * 8, e.estimate().totalBytes(),
                "3 inputs, 2 outputs, ORT's 4 copies and dense's one plan of 2363 query tiles x 591 key tiles");
    }

    @Test
    void jsonLinesAppendWithMachineFields(@TempDir Path dir) throws Exception {
        BenchRow row = new BenchRow("dense", "dense", 1, 2, 96, 16, "1x1x96", 1.5, 2.0, 1.9, 3.0, 1.0, 1.0, 0.0, 2, 1, 2);
        MachineInfo machine = new MachineInfo("abc", "25", "amd64", 2, "Test CPU");
        Path file = dir.resolve("rows.jsonl");
        BenchJsonLines.append(file, List.of(row), machine, Instant.EPOCH);
        BenchJsonLines.append(file, List.of(row, row), machine, Instant.EPOCH);
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        JsonNode json = new ObjectMapper().readTree(lines.get(2));
        for (String field : List.of("method", "spec", "seqLen", "heads", "headDim", "batch", "medianMs", "gflops",
                "executedDensity", "speedupVsDense", "relL2VsDense", "prepareMs", "commit", "jdk", "osArch",
                "processors", "cpuModel", "timestamp")) {
            assertTrue(json.has(field), () -> "missing " + field + " in " + lines.get(2));
        }
        assertEquals(2.0, json.get("medianMs").asDouble());
        assertEquals("Test CPU", json.get("cpuModel").asText());
        String table = BenchTable.format(List.of(row), machine);
        assertTrue(table.contains("dense") && table.contains("1.00x"), table);
    }

    @Test
    void pisaReportsItsPhasesAndTheShareOutsideExactTiles() {
        AttentionShape grid = new AttentionShape(1, 2, 16,
                io.tilewise.attention.api.TokenLayout.video(io.tilewise.attention.api.TokenGrid.parse("4x8x8")));
        List<BenchRow> rows = AttentionBenchmark.run(new BenchRequest(grid,
                List.of("pisa:density=0.25,block=16", "gna:window=3x5x5"), 3, 1, 0, 3), s -> { });
        BenchRow pisa = rows.get(0);
        assertEquals(List.of("pre-pass", "exact tiles", "summary keys", "other"),
                List.copyOf(pisa.phaseMs().keySet()));
        assertTrue(pisa.phaseMs().values().stream().allMatch(ms -> ms >= 0), pisa::toString);
        double exact = pisa.phaseMs().get("exact tiles");
        double total = pisa.phaseMs().values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(1 - exact / total, pisa.outsideExactTiles(), 1e-12);
        assertTrue(pisa.outsideExactTiles() > 0 && pisa.outsideExactTiles() < 1, pisa::toString);
        assertEquals(pisa.speedupVsDense() * pisa.executedDensity(), pisa.ofIdeal(), 1e-12);
        assertTrue(rows.get(1).phaseMs().isEmpty() && Double.isNaN(rows.get(1).outsideExactTiles()), rows.get(1)::toString);
        MachineInfo machine = new MachineInfo("abc", "25", "amd64", 2, "Test CPU");
        String table = BenchTable.format(rows, machine);
        assertTrue(table.contains("of ideal") && table.contains("pisa:density=0.25,block=16") && table.contains(
                "phases (median ms): pre-pass") && table.contains("outside exact tiles"), table);
        assertTrue(BenchJsonLines.format(rows, machine, Instant.EPOCH).contains("\"outsideExactTiles\""));
    }

    @Test
    void machineInfoIsDetected() {
        MachineInfo m = MachineInfo.detect();
        assertTrue(m.processors() >= 1);
        assertFalse(m.jdk().isBlank());
        assertFalse(m.osArch().isBlank());
    }
}
