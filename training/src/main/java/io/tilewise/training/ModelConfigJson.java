package io.tilewise.training;

import io.tilewise.attention.io.AtomicFiles;

import io.tilewise.pipeline.model.ModelConfig;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the contract's config.json of a model directory (atomically: temp file, then rename). */
public final class ModelConfigJson {

    /**
     * What the training run did, recorded under "training".
     *
     * @param seed run seed
     * @param command the exact command that reproduces the run
     * @param samples training samples seen
     * @param steps optimizer steps
     * @param minutes wall-clock training minutes
     * @param finalLoss smoothed loss at the end
     */
    public record TrainingRecord(long seed, String command, long samples, long steps, double minutes, double finalLoss) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelConfigJson() {
    }

    /** The config.json tree of a model of config {@code c}: the inference contract's fields plus the run's record. */
    public static ObjectNode tree(ModelConfig c, TrainingRecord training) {
        ObjectNode o = c.toJson();
        ObjectNode t = o.putObject("training");
        t.put("seed", training.seed());
        t.put("command", training.command());
        t.put("samples", training.samples());
        t.put("steps", training.steps());
        t.put("minutes", Math.round(training.minutes() * 10) / 10.0);
        t.put("final_loss", Math.round(training.finalLoss() * 10000) / 10000.0);
        return o;
    }

    public static void write(Path file, ModelConfig c, TrainingRecord training) throws IOException {
        write(file, c, training, c.modelId(), c.causalChunkFrames());
    }

    public static void write(Path file, ModelConfig c, TrainingRecord training, String modelId, int causalChunkFrames)
            throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, JSON.writeValueAsString(tree(c.withModel(modelId, causalChunkFrames), training)) + "\n");
    }
}
