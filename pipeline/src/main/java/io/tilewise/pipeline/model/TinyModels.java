package io.tilewise.pipeline.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random-weight models of the {@code tilewise-tiny-dit-v1} architecture in any size, for tests of this and other
 * modules (no trained checkpoint is needed to exercise the pipeline). Weights are seeded: norm weights near 1, biases
 * and modulations small, linear weights ~ N(0, 1/in) so activations stay O(1) through the blocks.
 */
public final class TinyModels {

    /** The vocabulary of the contract's synthetic prompts. */
    public static final List<String> VOCAB = List.of(ModelConfig.PAD, ModelConfig.BOS, "a", "moving", "on", "background",
            "red", "green", "blue", "yellow", "white", "purple", "orange", "cyan", "circle", "square", "triangle",
            "left", "right", "up", "down", "black", "gray");

    private TinyModels() {
    }

    /**
     * A config of the given sizes (patch [1,4,4], 3 channels, the contract's vocabulary, max 16 text tokens, pooled text,
     * 2 position frequencies per axis).
     * {@code ropeAxes} must sum to {@code hidden/heads}.
     */
    public static ModelConfig config(int hidden, int heads, int blocks, int textHidden, int textHeads, int textLayers,
                                     int freqDim, int[] ropeAxes) {
        return new ModelConfig(ModelConfig.ARCHITECTURE, "tiny-random", hidden, heads, blocks, 2, new int[] {1, 4, 4}, 3,
                freqDim, ropeAxes, 10000.0,
                new ModelConfig.TextConfig(textHidden, textHeads, textLayers, 16, VOCAB, true), 0,
                new ModelConfig.Defaults(2, 16, 16, 2, 4.0, 3.0), "nothing (random weights)", 2);
    }

    /** hidden 16, 2 heads (headDim 8, rope 2+2+4), text hidden 16, 2 heads, 2 layers, freq_dim 32. */
    public static ModelConfig small(int blocks) {
        return config(16, 2, blocks, 16, 2, 2, 32, new int[] {2, 2, 4});
    }

    /** Seeded random weights for {@code config}. */
    public static ModelWeights randomWeights(ModelConfig config, long seed) {
        return ModelWeights.of(config, randomArrays(config, seed));
    }

    public static Map<String, float[]> randomArrays(ModelConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ModelWeights.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            float[] v = new float[n];
            double std;
            double mean = 0;
            if (name.endsWith("norm_q.weight") || name.endsWith("norm_k.weight")
                    || (name.contains("norm") && name.endsWith(".weight"))) {
                mean = 1;
                std = 0.1;
            } else if (name.endsWith(".bias") || name.endsWith("modulation")) {
                std = 0.1;
            } else if (name.equals("text.embed.weight") || name.equals("text.pos.weight")) {
                std = 1;
            } else {
                std = 1 / Math.sqrt(shape[1]);
            }
            for (int i = 0; i < n; i++) v[i] = (float) (mean + std * gaussian(random));
            out.put(name, v);
        }
        return out;
    }

    /** Writes {@code config.json} and {@code weights.safetensors} of a random model into {@code dir}. */
    public static Path write(Path dir, ModelConfig config, long seed) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(ModelDirectory.CONFIG), config.toJson().toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        Map<String, long[]> shapes = ModelWeights.expectedShapes(config);
        randomArrays(config, seed).forEach((name, values) -> writer.add(name, shapes.get(name), values));
        writer.write(dir.resolve(ModelDirectory.WEIGHTS));
        return dir;
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
