package io.tilewise.wan.weights;

import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Wan2.1 folder as diffusers lays it out: either a text-to-video pipeline folder ({@code model_index.json} with
 * one sub-folder per component: {@code transformer/}, {@code text_encoder/}, {@code vae/}, …) or one component's
 * own folder ({@code config.json} + weights). {@link #component} finds a component's folder in either.
 *
 * <p>The pipeline's {@code model_index.json} is checked for what the text-to-video path does not support, each
 * refused by name: another pipeline class (image-to-video, VACE, …), a second transformer ({@code transformer_2}, as
 * Wan2.2 A14B has), {@code expand_timesteps} (Wan2.2 TI2V) and a {@code boundary_ratio}.
 */
public final class DiffusersFolder {

    /** The pipeline class of Wan2.1 text-to-video. */
    public static final String PIPELINE_CLASS = "WanPipeline";
    /** Weights of diffusers' own components: {@code diffusion_pytorch_model.safetensors} (or its sharded index). */
    public static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model";

    private DiffusersFolder() {
    }

    /**
     * The folder of {@code component} (e.g. {@code transformer}) under the pipeline folder {@code dir}, or {@code dir}
     * itself when it is a lone component folder (it has {@code config.json} and no {@code model_index.json}).
     *
     * @throws ModelFormatException naming the folder and what is missing or unsupported
     */
    public static Path component(Path dir, String component, String className) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": not a folder");
        Path index = dir.resolve("model_index.json");
        if (Files.isRegularFile(index)) {
            JsonNode root = readIndex(index);
            JsonNode entry = root.get(component);
            if (entry == null || !entry.isArray() || entry.size() != 2 || !className.equals(entry.get(1).asText(null))) {
                throw new ModelFormatException(index + ": component " + component + " is " + entry + "; expected [\"…\", \""
                        + className + "\"]");
            }
            Path folder = dir.resolve(component);
            if (!Files.isDirectory(folder)) throw new ModelFormatException(dir + ": the " + component + "/ folder is missing");
            return folder;
        }
        if (Files.isRegularFile(dir.resolve("config.json"))) return dir;
        throw new ModelFormatException(dir + ": has neither model_index.json (a diffusers pipeline folder) nor config.json"
                + " (a lone " + component + " folder)");
    }

    /** The weights of a diffusers component folder: the single file or the sharded index, memory-mapped. */
    public static SafetensorsCheckpoint weights(Path componentDir) {
        return SafetensorsCheckpoint.open(componentDir, DIFFUSERS_WEIGHTS);
    }

    private static JsonNode readIndex(Path index) {
        JsonNode root;
        try {
            if (Files.size(index) > 1 << 20) throw new ModelFormatException(index + ": larger than 1 MiB");
            root = new ObjectMapper().readTree(UserFiles.readUtf8(index, "model index", 1 << 20));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(index + ": is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(index + ": must be a JSON object");
        JsonNode cls = root.get("_class_name");
        if (cls == null || !PIPELINE_CLASS.equals(cls.asText())) {
            throw new ModelFormatException(index + ": _class_name is " + cls + "; only \"" + PIPELINE_CLASS
                    + "\" (Wan2.1 text-to-video) is supported");
        }
        JsonNode second = root.get("transformer_2");
        if (second != null && !second.isNull() && !(second.isArray() && second.get(0) != null && second.get(0).isNull())) {
            throw new ModelFormatException(index + ": transformer_2 is " + second
                    + "; a second transformer (Wan2.2 A14B) is not supported");
        }
        JsonNode expand = root.get("expand_timesteps");
        if (expand != null && expand.asBoolean(false)) {
            throw new ModelFormatException(index + ": expand_timesteps is true (Wan2.2 TI2V); not supported");
        }
        JsonNode boundary = root.get("boundary_ratio");
        if (boundary != null && !boundary.isNull()) {
            throw new ModelFormatException(index + ": boundary_ratio is " + boundary
                    + " (a two-transformer schedule); not supported");
        }
        return root;
    }
}
