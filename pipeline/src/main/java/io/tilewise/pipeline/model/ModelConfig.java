package io.tilewise.pipeline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.io.UserFileException;
import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code config.json} of a {@code tilewise-tiny-dit-v1} model (docs/tiny-dit-architecture.md), validated on
 * construction: known architecture, positive sizes, {@code hidden % heads == 0}, even RoPE parts summing to
 * {@code headDim}, a vocabulary with {@code <pad>} at id 0 and {@code <bos>} at id 1 and no duplicates.
 *
 * <p>{@code position_features} (optional, default 0) is the number k of Fourier frequencies per axis of the
 * fractional-position features added to the patch embedding ({@code pos_embed}, see PositionFeatures).
 *
 * <p>Interpretation: the block MLP width is {@code mlpRatio·hidden}; the text MLP width is fixed at
 * {@code 4·text.hidden} (the contract's table writes {@code 4dt} and the config has no text ratio).
 */
public record ModelConfig(String architecture, String modelId, int hidden, int heads, int blocks, int mlpRatio,
                          int[] patch, int channels, int freqDim, int[] ropeAxes, double ropeTheta, TextConfig text,
                          int causalChunkFrames, Defaults defaults, String trainedFor, int positionFeatures) {

    /** Most Fourier frequencies per axis of the position features. */
    static final int MAX_POSITION_FEATURES = 64;

    /** A config without position features. */
    public ModelConfig(String architecture, String modelId, int hidden, int heads, int blocks, int mlpRatio, int[] patch,
                       int channels, int freqDim, int[] ropeAxes, double ropeTheta, TextConfig text, int causalChunkFrames,
                       Defaults defaults, String trainedFor) {
        this(architecture, modelId, hidden, heads, blocks, mlpRatio, patch, channels, freqDim, ropeAxes, ropeTheta, text,
                causalChunkFrames, defaults, trainedFor, 0);
    }

    public static final String ARCHITECTURE = "tilewise-tiny-dit-v1";
    /** A config.json is a few KB; a larger file is refused before it is read. */
    public static final long MAX_FILE_BYTES = 16L << 20;
    /** Upper bound of widths (hidden sizes, freq_dim, token counts, pixels): generous, and far from int overflow. */
    static final int MAX_WIDTH = 1 << 16;
    /** Upper bound of counts (heads, blocks, layers). */
    static final int MAX_COUNT = 1024;
    /** Upper bound of small factors (mlp_ratio, patch sizes, channels). */
    static final int MAX_FACTOR = 64;
    public static final String PAD = "<pad>";
    public static final String BOS = "<bos>";

    /**
     * The text encoder's sizes and vocabulary (token id = index); {@code pooled}: the mean word embedding of the
     * prompt's real tokens, through {@code text_pool}, is added to the timestep embedding (config.json
     * {@code text.pooled}, default false).
     */
    public record TextConfig(int hidden, int heads, int layers, int maxTokens, List<String> vocab, boolean pooled) {
        public TextConfig(int hidden, int heads, int layers, int maxTokens, List<String> vocab) {
            this(hidden, heads, layers, maxTokens, vocab, false);
        }

        public TextConfig {
            vocab = List.copyOf(vocab);
            bounded("text.hidden", hidden, 1, MAX_WIDTH);
            bounded("text.heads", heads, 1, MAX_COUNT);
            bounded("text.layers", layers, 1, MAX_COUNT);
            if (maxTokens < 2) throw new ModelFormatException("config.json: text.max_tokens " + maxTokens + " must be >= 2 (<bos> plus a word)");
            bounded("text.max_tokens", maxTokens, 2, MAX_WIDTH);
            if (hidden % heads != 0) {
                throw new ModelFormatException("config.json: text.hidden " + hidden + " must be a multiple of text.heads " + heads);
            }
            if (vocab.size() < 2 || !vocab.get(0).equals(PAD) || !vocab.get(1).equals(BOS)) {
                throw new ModelFormatException("config.json: text.vocab must start with \"<pad>\", \"<bos>\" (ids 0 and 1), got "
                        + vocab.subList(0, Math.min(2, vocab.size())));
            }
            Set<String> seen = new HashSet<>();
            for (String w : vocab) {
                if (!seen.add(w)) throw new ModelFormatException("config.json: text.vocab has \"" + w + "\" twice");
            }
        }

        public int headDim() {
            return hidden / heads;
        }
    }

    /** Generation defaults stored with the model. */
    public record Defaults(int frames, int height, int width, int steps, double guidance, double shift) {
        public Defaults {
            bounded("defaults.frames", frames, 1, MAX_WIDTH);
            bounded("defaults.height", height, 1, MAX_WIDTH);
            bounded("defaults.width", width, 1, MAX_WIDTH);
            bounded("defaults.steps", steps, 1, MAX_WIDTH);
            if (!(shift > 0) || !Double.isFinite(shift)) {
                throw new ModelFormatException("config.json: defaults.shift " + shift + " must be a finite number > 0");
            }
            if (!Double.isFinite(guidance)) throw new ModelFormatException("config.json: defaults.guidance " + guidance + " must be finite");
        }
    }

    public ModelConfig {
        if (!ARCHITECTURE.equals(architecture)) {
            throw new ModelFormatException("config.json: architecture \"" + architecture + "\" is not known; supported: " + ARCHITECTURE);
        }
        if (modelId == null || modelId.isBlank()) modelId = "unnamed";
        bounded("hidden", hidden, 1, MAX_WIDTH);
        bounded("heads", heads, 1, MAX_COUNT);
        bounded("blocks", blocks, 1, MAX_COUNT);
        bounded("mlp_ratio", mlpRatio, 1, MAX_FACTOR);
        bounded("channels", channels, 1, MAX_FACTOR);
        bounded("freq_dim", freqDim, 1, MAX_WIDTH);
        if (freqDim % 2 != 0) throw new ModelFormatException("config.json: freq_dim " + freqDim + " must be even (cos and sin halves)");
        if (hidden % heads != 0) throw new ModelFormatException("config.json: hidden " + hidden + " must be a multiple of heads " + heads);
        if (patch == null || patch.length != 3) throw new ModelFormatException("config.json: patch must be [pt, ph, pw]");
        for (int p : patch) bounded("patch", p, 1, MAX_FACTOR);
        patch = patch.clone();
        if (ropeAxes == null || ropeAxes.length != 3) throw new ModelFormatException("config.json: rope_axes must have 3 parts (frame, y, x)");
        int sum = 0;
        for (int a : ropeAxes) {
            if (a < 0 || a % 2 != 0) throw new ModelFormatException("config.json: rope_axes part " + a + " must be even and >= 0");
            sum += a;
        }
        if (sum != hidden / heads) {
            throw new ModelFormatException("config.json: rope_axes " + java.util.Arrays.toString(ropeAxes) + " sum to " + sum
                    + ", expected headDim " + hidden / heads);
        }
        ropeAxes = ropeAxes.clone();
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
            throw new ModelFormatException("config.json: rope_theta " + ropeTheta + " must be a finite number > 0");
        }
        if (text == null) throw new ModelFormatException("config.json: text is missing");
        bounded("causal_chunk_frames", causalChunkFrames, 0, MAX_WIDTH);
        bounded("position_features", positionFeatures, 0, MAX_POSITION_FEATURES);
        if (defaults == null) defaults = new Defaults(1, patch[1] * 4, patch[2] * 4, 20, 4.0, 3.0);
        if (trainedFor == null) trainedFor = "";
    }

    public int headDim() {
        return hidden / heads;
    }

    /** Values per patch: {@code channels·pt·ph·pw}. */
    public int patchSize() {
        return channels * patch[0] * patch[1] * patch[2];
    }

    public int mlpHidden() {
        return mlpRatio * hidden;
    }

    @Override
    public int[] patch() {
        return patch.clone();
    }

    @Override
    public int[] ropeAxes() {
        return ropeAxes.clone();
    }

    /** Reads and validates {@code config.json} (UTF-8, at most {@value #MAX_FILE_BYTES} bytes). */
    public static ModelConfig read(Path file) {
        JsonNode root;
        try {
            // A regular file, strict UTF-8 (JSON's encoding), at most MAX_FILE_BYTES: a FIFO, a device or a
            // malformed byte is a format error naming the file, not a hang, an OutOfMemoryError or an I/O error.
            String text = UserFiles.readUtf8(file, "model config", MAX_FILE_BYTES);
            root = new ObjectMapper().readTree(text);
        } catch (UserFileException e) {
            throw new ModelFormatException(e.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException("config.json: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return fromJson(root);
    }

    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) throw new ModelFormatException("config.json: must be a JSON object");
        JsonNode text = required(root, "text", "");
        if (!text.isObject()) throw new ModelFormatException("config.json: text must be an object");
        JsonNode vocabNode = required(text, "vocab", "text.");
        if (!vocabNode.isArray()) throw new ModelFormatException("config.json: text.vocab must be an array of strings");
        List<String> vocab = new java.util.ArrayList<>();
        vocabNode.forEach(v -> vocab.add(v.asText()));
        TextConfig textConfig = new TextConfig(integer(text, "hidden", "text."), integer(text, "heads", "text."),
                integer(text, "layers", "text."), integer(text, "max_tokens", "text."), vocab, bool(text, "pooled", "text."));
        Defaults defaults = null;
        JsonNode d = root.get("defaults");
        if (d != null && d.isObject()) {
            defaults = new Defaults(integer(d, "frames", "defaults."), integer(d, "height", "defaults."),
                    integer(d, "width", "defaults."), integer(d, "steps", "defaults."),
                    number(d, "guidance", "defaults."), number(d, "shift", "defaults."));
        }
        JsonNode arch = required(root, "architecture", "");
        return new ModelConfig(arch.asText(), root.path("model_id").asText("unnamed"),
                integer(root, "hidden", ""), integer(root, "heads", ""), integer(root, "blocks", ""),
                integer(root, "mlp_ratio", ""), ints(root, "patch"), integer(root, "channels", ""),
                integer(root, "freq_dim", ""), ints(root, "rope_axes"), number(root, "rope_theta", ""), textConfig,
                root.has("causal_chunk_frames") ? integer(root, "causal_chunk_frames", "") : 0, defaults,
                root.path("trained_for").asText(""), root.has("position_features") ? integer(root, "position_features", "") : 0);
    }

    /** The same sizes with pooled text on or off and {@code k} position-feature frequencies (0 = none). */
    public ModelConfig withConditioning(boolean pooled, int k) {
        TextConfig t = new TextConfig(text.hidden(), text.heads(), text.layers(), text.maxTokens(), text.vocab(), pooled);
        return new ModelConfig(architecture, modelId, hidden, heads, blocks, mlpRatio, patch, channels, freqDim, ropeAxes,
                ropeTheta, t, causalChunkFrames, defaults, trainedFor, k);
    }

    /** The same sizes under another model id, block-causal with chunks of {@code chunkFrames} latent frames (0 = not). */
    public ModelConfig withModel(String id, int chunkFrames) {
        return new ModelConfig(architecture, id, hidden, heads, blocks, mlpRatio, patch, channels, freqDim, ropeAxes,
                ropeTheta, text, chunkFrames, defaults, trainedFor, positionFeatures);
    }

    /** This config as {@code config.json} content. */
    public ObjectNode toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("architecture", architecture);
        root.put("model_id", modelId);
        root.put("hidden", hidden).put("heads", heads).put("blocks", blocks).put("mlp_ratio", mlpRatio);
        ArrayNode p = root.putArray("patch");
        for (int v : patch) p.add(v);
        root.put("channels", channels).put("freq_dim", freqDim);
        ArrayNode r = root.putArray("rope_axes");
        for (int v : ropeAxes) r.add(v);
        root.put("rope_theta", ropeTheta);
        ObjectNode t = root.putObject("text");
        t.put("hidden", text.hidden()).put("heads", text.heads()).put("layers", text.layers()).put("max_tokens", text.maxTokens())
                .put("pooled", text.pooled());
        ArrayNode v = t.putArray("vocab");
        text.vocab().forEach(v::add);
        root.put("causal_chunk_frames", causalChunkFrames);
        root.put("position_features", positionFeatures);
        ObjectNode d = root.putObject("defaults");
        d.put("frames", defaults.frames()).put("height", defaults.height()).put("width", defaults.width())
                .put("steps", defaults.steps()).put("guidance", defaults.guidance()).put("shift", defaults.shift());
        root.put("trained_for", trainedFor);
        return root;
    }

    private static JsonNode required(JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new ModelFormatException("config.json: " + prefix + field + " is missing");
        return v;
    }

    /** An optional boolean field (false when absent). */
    private static boolean bool(JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new ModelFormatException("config.json: " + prefix + field + " must be true or false, got " + v);
        return v.booleanValue();
    }

    private static int integer(JsonNode node, String field, String prefix) {
        JsonNode v = required(node, field, prefix);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ModelFormatException("config.json: " + prefix + field + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double number(JsonNode node, String field, String prefix) {
        JsonNode v = required(node, field, prefix);
        if (!v.isNumber()) throw new ModelFormatException("config.json: " + prefix + field + " must be a number, got " + v);
        return v.asDouble();
    }

    private static int[] ints(JsonNode node, String field) {
        JsonNode v = required(node, field, "");
        if (!v.isArray()) throw new ModelFormatException("config.json: " + field + " must be an array of integers, got " + v);
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber() || !v.get(i).canConvertToInt()) {
                throw new ModelFormatException("config.json: " + field + " must be an array of integers, got " + v);
            }
            out[i] = v.get(i).asInt();
        }
        return out;
    }

    private static void bounded(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ModelFormatException("config.json: " + name + " " + value + (value < min ? " must be >= " + min : " must be <= " + max));
        }
    }
}
