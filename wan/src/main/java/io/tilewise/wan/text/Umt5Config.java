package io.tilewise.wan.text;

import io.tilewise.pipeline.model.JsonFiles;
import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The encoder half of a transformers {@code UMT5Config} / {@code T5Config} ({@code text_encoder/config.json}): the
 * fields {@code UMT5EncoderModel} reads. Only the gated tanh-GELU feed-forward ({@code feed_forward_proj
 * "gated-gelu"}, act {@code gelu_new}) that umt5 and t5 v1.1 use is accepted; other activations are refused by name.
 *
 * @param umt5 true for {@code model_type "umt5"} (a relative position bias in every layer); false for {@code "t5"}
 *             (block 0's bias shared by all layers)
 */
public record Umt5Config(boolean umt5, int dModel, int dKv, int dFf, int layers, int heads, int vocab,
                         int buckets, int maxDistance, float eps) {

    /** Reads and checks {@code config.json}; every problem names the file and the field. */
    public static Umt5Config read(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(UserFiles.readUtf8(configJson, "text encoder config", JsonFiles.MAX_BYTES));
        } catch (IOException e) {
            throw new ModelFormatException(configJson + ": cannot read the text encoder config (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(configJson + ": must be a JSON object");
        String type = root.path("model_type").asText("");
        if (!type.equals("umt5") && !type.equals("t5")) {
            throw new ModelFormatException(configJson + ": model_type is \"" + type + "\"; the text encoder must be umt5 or t5");
        }
        String ff = root.path("feed_forward_proj").asText("relu");
        String act = root.path("dense_act_fn").asText(ff.startsWith("gated-") ? ff.substring(6) : ff);
        if (!ff.equals("gated-gelu") || !(act.equals("gelu_new") || act.equals("gelu_pytorch_tanh"))) {
            throw new ModelFormatException(configJson + ": feed_forward_proj \"" + ff + "\" with dense_act_fn \"" + act
                    + "\" is not supported; only gated-gelu with the tanh GELU (gelu_new) is");
        }
        int dModel = positive(root, "d_model", configJson);
        int dKv = positive(root, "d_kv", configJson);
        int heads = positive(root, "num_heads", configJson);
        int buckets = positive(root, "relative_attention_num_buckets", configJson);
        int maxDistance = positive(root, "relative_attention_max_distance", configJson);
        // The bucket rule halves the buckets for a bidirectional encoder and again for the exact range.
        if (buckets < 4 || buckets % 2 != 0 || maxDistance <= buckets / 4) {
            throw new ModelFormatException(configJson + ": relative_attention_num_buckets " + buckets
                    + " must be even and >= 4, and relative_attention_max_distance " + maxDistance + " above a quarter of it");
        }
        double eps = root.path("layer_norm_epsilon").asDouble(1e-6);
        if (!(eps > 0)) throw new ModelFormatException(configJson + ": layer_norm_epsilon " + eps + " must be positive");
        return new Umt5Config(type.equals("umt5"), dModel, dKv, positive(root, "d_ff", configJson),
                positive(root, "num_layers", configJson), heads, positive(root, "vocab_size", configJson),
                buckets, maxDistance, (float) eps);
    }

    /** {@code heads · d_kv}: the width of q, k, v (need not equal d_model). */
    public int inner() {
        return heads * dKv;
    }

    /** True when layer {@code layer} holds its own relative attention bias table. */
    public boolean hasBias(int layer) {
        return umt5 || layer == 0;
    }

    private static int positive(JsonNode root, String field, Path file) {
        JsonNode n = root.get(field);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            throw new ModelFormatException(file + ": " + field + " is " + (n == null ? "missing" : n.toString())
                    + "; it must be a positive integer");
        }
        return n.asInt();
    }
}
