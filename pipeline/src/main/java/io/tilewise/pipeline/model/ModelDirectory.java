package io.tilewise.pipeline.model;

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
        if (!Files.isRegularFile(weights)) throw new ModelFormatException("model weights " + weights + " do not exist");
        return new ModelDirectory(dir, config, ModelWeights.load(weights, config));
    }
}
