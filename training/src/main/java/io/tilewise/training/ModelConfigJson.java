package io.tilewise.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    /** The config.json tree of a model of config {@code c}. */
    public static ObjectNode tree(TinyDitConfig c, TrainingRecord training) {
        return tree(c, training, "tiny-t2v", 0);
    }

    /** The tree of a model with its id and {@code causal_chunk_frames} (0 = bidirectional). */
    public static ObjectNode tree(TinyDitConfig c, TrainingRecord training, String modelId, int causalChunkFrames) {
        ObjectNode o = JSON.createObjectNode();
        o.put("architecture", TinyDitConfig.ARCHITECTURE);
        o.put("model_id", modelId);
        o.put("hidden", c.hidden());
        o.put("heads", c.heads());
        o.put("blocks", c.blocks());
        o.put("mlp_ratio", c.mlpRatio());
        ArrayNode patch = o.putArray("patch");
        for (int x : c.patch()) {
            patch.add(x);
        }
        o.put("channels", c.channels());
        o.put("freq_dim", c.freqDim());
        ArrayNode axes = o.putArray("rope_axes");
        for (int x : c.ropeAxes()) {
            axes.add(x);
        }
        o.put("rope_theta", c.ropeTheta());
        ObjectNode text = o.putObject("text");
        text.put("hidden", c.textHidden());
        text.put("heads", c.textHeads());
        text.put("layers", c.textLayers());
        text.put("max_tokens", c.maxTokens());
        text.put("pooled", c.pooledText());
        ArrayNode vocab = text.putArray("vocab");
        c.vocab().forEach(vocab::add);
        o.put("causal_chunk_frames", causalChunkFrames);
        o.put("position_features", c.positionFeatures());
        ObjectNode defaults = o.putObject("defaults");
        defaults.put("frames", 16);
        defaults.put("height", 64);
        defaults.put("width", 64);
        defaults.put("steps", 20);
        defaults.put("guidance", 4.0);
        defaults.put("shift", 3.0);
        o.put("trained_for", "colored shapes moving in a stated direction on a colored background");
        ObjectNode t = o.putObject("training");
        t.put("seed", training.seed());
        t.put("command", training.command());
        t.put("samples", training.samples());
        t.put("steps", training.steps());
        t.put("minutes", Math.round(training.minutes() * 10) / 10.0);
        t.put("final_loss", Math.round(training.finalLoss() * 10000) / 10000.0);
        return o;
    }

    public static void write(Path file, TinyDitConfig c, TrainingRecord training) throws IOException {
        write(file, c, training, "tiny-t2v", 0);
    }

    public static void write(Path file, TinyDitConfig c, TrainingRecord training, String modelId, int causalChunkFrames)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "config", ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(tree(c, training, modelId, causalChunkFrames)) + "\n");
        Safetensors.makeReadable(tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
