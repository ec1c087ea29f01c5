package io.tilewise.wan.text;

import io.tilewise.pipeline.model.JsonFiles;
import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Where a diffusers pipeline folder keeps its text side, checked before anything loads: {@code model_index.json}'s
 * {@code text_encoder} entry must name a (U)MT5 encoder class of transformers, its {@code tokenizer} entry a T5
 * tokenizer, and both subfolders must exist. Every failure is one line that names the part ({@code text_encoder},
 * {@code tokenizer}) and the file.
 *
 * @param textEncoder the {@code text_encoder/} folder (config.json + safetensors)
 * @param tokenizer   the {@code tokenizer/} folder (tokenizer.json)
 */
public record TextEncoderFolder(Path textEncoder, Path tokenizer) {

    /** transformers classes whose encoder weights {@code UMT5EncoderModel} / {@code T5EncoderModel} read. */
    static final Set<String> ENCODER_CLASSES = Set.of("UMT5EncoderModel", "T5EncoderModel", "UMT5Model", "T5Model",
            "UMT5ForConditionalGeneration", "T5ForConditionalGeneration", "MT5EncoderModel");
    static final Set<String> TOKENIZER_CLASSES = Set.of("T5TokenizerFast", "T5Tokenizer", "AutoTokenizer");

    /** Reads {@code modelDir/model_index.json}. */
    public static TextEncoderFolder of(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new ModelFormatException("--model " + modelDir + " is not a folder");
        Path index = modelDir.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            throw new ModelFormatException(modelDir + ": model_index.json is missing (expected a diffusers pipeline folder "
                    + "such as Wan2.1-T2V-1.3B-Diffusers)");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(UserFiles.readUtf8(index, "model index", JsonFiles.MAX_BYTES));
        } catch (IOException e) {
            throw new ModelFormatException(index + ": cannot read it as JSON (" + e.getMessage() + ")");
        }
        Path encoder = component(modelDir, index, root, "text_encoder", ENCODER_CLASSES);
        Path tokenizer = component(modelDir, index, root, "tokenizer", TOKENIZER_CLASSES);
        Path config = encoder.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new ModelFormatException("text_encoder: " + config + " is missing");
        if (!Umt5Checkpoint.present(encoder)) {
            throw new ModelFormatException("text_encoder: " + encoder + " has neither model.safetensors nor "
                    + "model.safetensors.index.json");
        }
        if (!Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new ModelFormatException("tokenizer: " + tokenizer.resolve("tokenizer.json") + " is missing");
        }
        return new TextEncoderFolder(encoder, tokenizer);
    }

    /** The text encoder's config, refusing an {@code architectures} entry that is not a T5 encoder. */
    public Umt5Config config() {
        Path file = textEncoder.resolve("config.json");
        try {
            JsonNode arch = new ObjectMapper().readTree(UserFiles.readUtf8(file, "text encoder config", JsonFiles.MAX_BYTES)).path("architectures");
            if (arch.isArray() && !arch.isEmpty() && !ENCODER_CLASSES.contains(arch.get(0).asText())) {
                throw new ModelFormatException("text_encoder: " + file + " declares architecture " + arch.get(0).asText()
                        + "; expected one of " + String.join(", ", ENCODER_CLASSES));
            }
            return Umt5Config.read(file);
        } catch (ModelFormatException e) {
            throw e.getMessage().startsWith("text_encoder: ") ? e : new ModelFormatException("text_encoder: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException("text_encoder: cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    private static Path component(Path modelDir, Path index, JsonNode root, String part, Set<String> classes) {
        JsonNode entry = root.get(part);
        if (entry == null || !entry.isArray() || entry.size() != 2 || entry.get(1).isNull()) {
            throw new ModelFormatException(part + ": " + index + " has no " + part + " entry (expected [\"transformers\", \""
                    + (part.equals("tokenizer") ? "T5TokenizerFast" : "UMT5EncoderModel") + "\"])");
        }
        String cls = entry.get(1).asText();
        if (!classes.contains(cls)) {
            throw new ModelFormatException(part + ": " + index + " names class " + cls + "; expected one of "
                    + String.join(", ", classes.stream().sorted().toList()));
        }
        Path dir = modelDir.resolve(part);
        if (!Files.isDirectory(dir)) throw new ModelFormatException(part + ": folder " + dir + " is missing");
        return dir;
    }
}
