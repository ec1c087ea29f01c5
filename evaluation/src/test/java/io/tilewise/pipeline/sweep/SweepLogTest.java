package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Results lines: whole lines only; a partial last line (a kill mid-write) is ignored and cut before appending. */
class SweepLogTest {

    @TempDir
    Path dir;

    @Test
    void partialLastLineIsIgnoredAndCutBeforeTheNextAppend() throws Exception {
        Path file = dir.resolve("results.jsonl");
        try (SweepLog log = SweepLog.open(file)) {
            log.append(line("a", 1));
            log.append(line("b", 2));
        }
        Files.writeString(file, "{\"cell\":\"c\",\"val", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(List.of("a", "b"), List.copyOf(SweepLog.read(file).keySet()));
        try (SweepLog log = SweepLog.open(file)) {
            log.append(line("c", 3));
        }
        List<ObjectNode> lines = SweepLog.lines(file);
        assertEquals(List.of("a", "b", "c"), lines.stream().map(l -> l.path("cell").asText()).toList());
        assertEquals(3, lines.get(2).path("value").asInt());
        assertTrue(Files.readString(file).endsWith("}\n"));
    }

    @Test
    void aFileWithOnlyAPartialLineIsEmpty() throws Exception {
        Path file = dir.resolve("r.jsonl");
        Files.writeString(file, "{\"cell\":");
        assertTrue(SweepLog.read(file).isEmpty());
        try (SweepLog log = SweepLog.open(file)) {
            log.append(line("x", 1));
        }
        assertEquals(List.of("x"), List.copyOf(SweepLog.read(file).keySet()));
        assertTrue(SweepLog.read(dir.resolve("missing.jsonl")).isEmpty());
    }

    @Test
    void theLastLineOfAKeyWins() {
        Path file = dir.resolve("k.jsonl");
        try (SweepLog log = SweepLog.open(file)) {
            log.append(line("a", 1));
            log.append(line("a", 2));
        }
        assertEquals(2, SweepLog.read(file).get("a").path("value").asInt());
    }

    private static ObjectNode line(String cell, int value) {
        ObjectNode n = SweepLog.MAPPER.createObjectNode();
        n.put("cell", cell);
        n.put("value", value);
        return n;
    }
}
