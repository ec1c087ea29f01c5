package io.tilewise.pipeline.model;

import io.tilewise.attention.io.UserFileException;
import io.tilewise.attention.io.UserFiles;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model directory: {@code config.json} plus {@code weights.safetensors}, both validated on load.
 */
public record ModelDirectory(Path path, ModelConfig config, ModelWeights weights) {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "weights.safetensors";

    public static ModelDirectory load(Path dir) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException("model directory " + dir + " does not exist");
        ModelConfig config = ModelConfig.read(dir.resolve(CONFIG));
        Path weights = dir.resolve(WEIGHTS);
        try {
            // Says what the path is instead (a FIFO, a device, a directory), not just "do not exist".
            UserFiles.requireRegularFile(weights, "model weights");
        } catch (UserFileException e) {
            throw new ModelFormatException(e.getMessage());
        }
        return new ModelDirectory(dir, config, ModelWeights.load(weights, config));
    }
}
