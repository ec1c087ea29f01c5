package io.tilewise.training;

import io.tilewise.pipeline.model.ModelConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ModelConfigJsonTest {

    @TempDir
    Path dir;

    @Test
    void writesTheContractFieldsAndReadsBackTheSameSizes() throws Exception {
        ModelConfig cfg = TinyConfigs.tinyT2v();
        Path file = dir.resolve("config.json");
        ModelConfigJson.write(file, cfg, new ModelConfigJson.TrainingRecord(1, "scripts/train-tiny-model --seed 1", 100, 10, 1.5, 0.25));
        JsonNode c = new ObjectMapper().readTree(file.toFile());
        assertEquals("tilewise-tiny-dit-v1", c.get("architecture").asText());
        assertEquals("tiny-t2v", c.get("model_id").asText());
        assertEquals(128, c.get("hidden").asInt());
        assertEquals(256, c.get("freq_dim").asInt());
        assertEquals(0, c.get("causal_chunk_frames").asInt());
        assertEquals("<bos>", c.get("text").get("vocab").get(1).asText());
        assertEquals(16, c.get("defaults").get("frames").asInt());
        assertEquals(4.0, c.get("defaults").get("guidance").asDouble());
        assertEquals(100, c.get("training").get("samples").asLong());
        assertEquals("scripts/train-tiny-model --seed 1", c.get("training").get("command").asText());
        ModelConfig back = SampleClips.readConfig(file);
        assertEquals(cfg.hidden(), back.hidden());
        assertEquals(cfg.text().vocab(), back.text().vocab());
        assertArrayEquals(cfg.ropeAxes(), back.ropeAxes());
        assertArrayEquals(cfg.patch(), back.patch());
        assertEquals(cfg.text().layers(), back.text().layers());
    }
}
