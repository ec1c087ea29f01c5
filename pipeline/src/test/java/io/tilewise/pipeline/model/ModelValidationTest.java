package io.tilewise.pipeline.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json validation and the tensor-by-tensor weight check, each error naming what is wrong. */
class ModelValidationTest {

    @TempDir
    Path dir;

    @Test
    void configRoundTripsThroughJson() {
        ModelConfig c = TinyModels.small(3);
        ModelConfig back = ModelConfig.fromJson(c.toJson());
        assertEquals(c.toJson(), back.toJson());
        assertEquals(8, back.headDim());
        assertEquals(48, back.patchSize());
    }

    @Test
    void configErrorsNameTheField() {
        configError(j -> j.put("architecture", "wan2.1"), "architecture \"wan2.1\" is not known; supported: tilewise-tiny-dit-v1");
        configError(j -> j.put("heads", 3), "hidden 16 must be a multiple of heads 3");
        configError(j -> j.put("blocks", 0), "blocks 0 must be >= 1");
        configError(j -> j.remove("hidden"), "hidden is missing");
        configError(j -> j.put("hidden", "big"), "hidden must be an integer");
        configError(j -> j.putArray("rope_axes").add(2).add(2).add(2), "rope_axes [2, 2, 2] sum to 6, expected headDim 8");
        configError(j -> j.putArray("rope_axes").add(3).add(1).add(4), "rope_axes part 3 must be even");
        configError(j -> ((ObjectNode) j.get("text")).putArray("vocab").add("<bos>").add("<pad>").add("a"),
                "text.vocab must start with \"<pad>\", \"<bos>\"");
        configError(j -> ((ObjectNode) j.get("text")).putArray("vocab").add("<pad>").add("<bos>").add("a").add("a"),
                "text.vocab has \"a\" twice");
        configError(j -> ((ObjectNode) j.get("text")).put("heads", 3), "text.hidden 16 must be a multiple of text.heads 3");
        configError(j -> j.put("freq_dim", 31), "freq_dim 31 must be even");
        configError(j -> ((ObjectNode) j.get("text")).put("pooled", "yes"), "text.pooled must be true or false, got \"yes\"");
    }

    @Test
    void pooledTextIsOptionalAndNeedsItsProjection() {
        ObjectNode json = TinyModels.small(1).toJson();
        ((ObjectNode) json.get("text")).remove("pooled");
        ModelConfig plain = ModelConfig.fromJson(json);
        assertFalse(plain.text().pooled(), "configs written before pooled text read as without it");
        assertFalse(ModelWeights.expectedShapes(plain).containsKey("text_pool.weight"));
        ModelConfig pooled = TinyModels.small(1);
        assertArrayEquals(new long[] {16, 16}, ModelWeights.expectedShapes(pooled).get("text_pool.weight"));
        Map<String, float[]> arrays = new LinkedHashMap<>(TinyModels.randomArrays(pooled, 1));
        arrays.remove("text_pool.bias");
        weightError(pooled, arrays, "missing tensor text_pool.bias");
    }

    @Test
    void missingConfigFileIsNamed() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelDirectory.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void loadsAValidModelDirectory() {
        ModelConfig c = TinyModels.small(2);
        TinyModels.write(dir, c, 4);
        ModelDirectory m = ModelDirectory.load(dir);
        assertEquals(c.toJson(), m.config().toJson());
        assertArrayEquals(TinyModels.randomArrays(c, 4).get("blocks.1.attn.qkv.weight"), m.weights().get("blocks.1.attn.qkv.weight"));
        assertEquals(ModelWeights.expectedShapes(c).size(), m.weights().names().size());
    }

    @Test
    void weightErrorsNameTheTensor() {
        ModelConfig c = TinyModels.small(2);
        Map<String, float[]> ok = TinyModels.randomArrays(c, 1);

        Map<String, float[]> missing = new LinkedHashMap<>(ok);
        missing.remove("blocks.1.cross.kv.bias");
        weightError(c, missing, "missing tensor blocks.1.cross.kv.bias");

        Map<String, float[]> extra = new LinkedHashMap<>(ok);
        extra.put("blocks.2.attn.qkv.weight", new float[4]);
        weightError(c, extra, "unexpected tensor blocks.2.attn.qkv.weight");

        // a [48, 8] tensor where [48, 16] belongs: same file written with a wrong shape
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, long[]> shapes = ModelWeights.expectedShapes(c);
        ok.forEach((name, v) -> {
            if (name.equals("blocks.1.attn.qkv.weight")) w.add(name, new long[] {48, 8}, new float[48 * 8]);
            else w.add(name, shapes.get(name), v);
        });
        Path file = dir.resolve("weights.safetensors");
        w.write(file);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelWeights.load(file, c));
        assertEquals("weights: blocks.1.attn.qkv.weight has shape [48, 8], expected [48, 16]", e.getMessage());
    }

    private void configError(Consumer<ObjectNode> edit, String expected) {
        ObjectNode json = TinyModels.small(2).toJson();
        edit.accept(json);
        Path file = dir.resolve("config.json");
        try {
            Files.writeString(file, json.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(file));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private static void weightError(ModelConfig c, Map<String, float[]> arrays, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelWeights.of(c, arrays));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
