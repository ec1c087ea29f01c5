package io.tilewise.pipeline.model;

import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Single-file and sharded checkpoints: reading through the index, and every way an index and its shards disagree. */
class SafetensorsCheckpointTest {

    @TempDir
    Path dir;

    private final float[] a = Arrays2.normal(1, 6, 1);
    private final float[] b = Arrays2.normal(2, 4, 1);
    private final float[] c = Arrays2.normal(3, 5, 1);

    private static final String SHARD1 = "m-00001-of-00002.safetensors";
    private static final String SHARD2 = "m-00002-of-00002.safetensors";

    private void shards() {
        new SafetensorsWriter().add("a", new long[] {2, 3}, a).add("b", new long[] {4}, b, SafetensorsDtype.BF16)
                .write(dir.resolve(SHARD1));
        new SafetensorsWriter().add("c", new long[] {5}, c).write(dir.resolve(SHARD2));
    }

    private Path index(String weightMap) throws IOException {
        return Files.writeString(dir.resolve("m.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 52}, \"weight_map\": {" + weightMap + "}}");
    }

    private static String map(String tensor, String shard) {
        return "\"" + tensor + "\": \"" + shard + "\"";
    }

    @Test
    void readsTensorsAcrossShards() throws IOException {
        shards();
        index(String.join(",", map("a", SHARD1), map("c", SHARD2), map("b", SHARD1)));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir, "m")) {
            assertEquals(List.of("a", "c", "b"), List.copyOf(ck.tensors().keySet()));
            assertArrayEquals(a, ck.floats("a"));
            assertArrayEquals(c, ck.floats("c"));
            assertEquals(SafetensorsDtype.BF16, ck.dtype("b"));
            assertEquals(4, ck.floats("b").length);
            assertEquals(SHARD2, ck.file("c").path().getFileName().toString());
            assertArrayEquals(new long[] {2, 3}, ck.info("a").shape());
            assertThrows(ModelFormatException.class, () -> ck.floats("zzz"));
        }
    }

    @Test
    void prefersTheIndexAndFallsBackToTheSingleFile() throws IOException {
        new SafetensorsWriter().add("only", new long[] {1}, new float[] {7f}).write(dir.resolve("m.safetensors"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir, "m")) {
            assertEquals(List.of("only"), List.copyOf(ck.tensors().keySet()));
            assertEquals("m.safetensors", ck.source());
        }
        shards();
        index(String.join(",", map("a", SHARD1), map("b", SHARD1), map("c", SHARD2)));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir, "m")) {
            assertFalse(ck.contains("only"));
            assertTrue(ck.contains("c"));
        }
        ModelFormatException none = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir, "other"));
        assertTrue(none.getMessage().contains("neither other.safetensors nor other.safetensors.index.json exists"),
                none.getMessage());
    }

    @Test
    void refusesAMissingShardNamingItAndATensor() throws IOException {
        shards();
        index(String.join(",", map("a", SHARD1), map("b", SHARD1), map("c", SHARD2), map("d", "m-gone.safetensors")));
        assertRefused("m.safetensors.index.json: shard m-gone.safetensors (holding d) does not exist");
    }

    @Test
    void refusesATensorMappedToAShardWithoutIt() throws IOException {
        shards();
        index(String.join(",", map("a", SHARD1), map("b", SHARD1), map("c", SHARD1)));
        assertRefused("m.safetensors.index.json: tensor c is mapped to shard " + SHARD1 + ", which does not hold it");
    }

    @Test
    void refusesAShardTensorTheIndexDoesNotMapToIt() throws IOException {
        shards();
        index(String.join(",", map("a", SHARD1), map("c", SHARD2)));
        assertRefused(SHARD1 + ": holds tensor b, which m.safetensors.index.json does not list");
    }

    @Test
    void refusesMalformedIndexes() throws IOException {
        shards();
        index(map("a", "../outside.safetensors"));
        assertRefused("weight_map entry a names shard '../outside.safetensors'; expected a .safetensors file name");
        index("");
        assertRefused("weight_map must be a non-empty object");
        index(map("a", SHARD1).replace("\"" + SHARD1 + "\"", "3"));
        assertRefused("weight_map entry a must name a shard file, got 3");
        Files.writeString(dir.resolve("m.safetensors.index.json"), "{\"weight_map\": ");
        assertRefused("m.safetensors.index.json: is not valid JSON");
    }

    @Test
    void aCorruptShardIsNamed() throws IOException {
        shards();
        Files.write(dir.resolve(SHARD2), new byte[3]);
        index(String.join(",", map("a", SHARD1), map("b", SHARD1), map("c", SHARD2)));
        assertRefused(SHARD2 + ": file has 3 bytes");
    }

    private void assertRefused(String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir, "m").close());
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
        assertFalse(e.getMessage().contains("\n"));
    }
}
