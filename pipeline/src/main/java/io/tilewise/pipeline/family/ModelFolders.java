package io.tilewise.pipeline.family;

import com.fasterxml.jackson.databind.JsonNode;
import io.tilewise.pipeline.family.tiny.TinyDitFamily;
import io.tilewise.pipeline.model.JsonFiles;
import io.tilewise.pipeline.model.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds the {@link ModelFamily} of a model folder and opens it. A folder names its architecture in one of three
 * places, read in this order: a diffusers pipeline's {@code model_index.json} ({@code _class_name}, e.g.
 * {@code WanPipeline}), a lone component's {@code config.json} ({@code _class_name}, e.g.
 * {@code WanTransformer3DModel}), or Tilewise's own {@code config.json} ({@code architecture}).
 */
public final class ModelFolders {

    private ModelFolders() {
    }

    /** Every family on the class path (this module's and any plugged in through {@code META-INF/services}). */
    public static List<ModelFamily> families() {
        List<ModelFamily> found = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, ModelFolders.class.getClassLoader()).forEach(found::add);
        return found;
    }

    /** The card of the model in {@code dir}, from its config files alone. */
    public static ModelCard card(Path dir) {
        return familyOf(dir).card(dir);
    }

    /** Opens {@code dir} with the family that recognizes it. */
    public static DenoiserModel open(Path dir, StageOptions options) {
        return familyOf(dir).open(dir, options);
    }

    /**
     * The family that recognizes {@code dir}.
     *
     * @throws ModelFormatException when the folder is missing or no family knows its architecture (naming the
     *                              identifier read and the known ones)
     */
    public static ModelFamily familyOf(Path dir) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException("model directory " + dir + " does not exist or is not a directory");
        String identifier = identify(dir);
        List<ModelFamily> families = families();
        for (ModelFamily family : families) if (family.recognizes(dir, identifier)) return family;
        // Not a diffusers folder: Tilewise's own format, whose loader says exactly what is wrong with its config.json.
        if (!isDiffusers(dir)) return new TinyDitFamily();
        List<String> known = new ArrayList<>();
        for (ModelFamily family : families) known.add(String.join(", ", family.identifiers()) + " (" + family.id() + ")");
        throw new ModelFormatException("model directory " + dir + ": "
                + (identifier == null ? "no model_index.json or config.json naming an architecture"
                : "no model family for '" + identifier + "'") + "; known: " + String.join("; ", known));
    }

    /** Whether the folder declares a diffusers class ({@code model_index.json}, or {@code _class_name} in its config). */
    private static boolean isDiffusers(Path dir) {
        if (Files.exists(dir.resolve("model_index.json"))) return true;
        try {
            JsonNode config = readJson(dir.resolve("config.json"));
            return config != null && config.has("_class_name");
        } catch (ModelFormatException e) {
            return false;
        }
    }

    /**
     * The architecture identifier the folder declares, or null: {@code model_index.json}'s {@code _class_name}, else
     * {@code config.json}'s {@code _class_name} or {@code architecture}.
     */
    public static String identify(Path dir) {
        JsonNode index = readJson(dir.resolve("model_index.json"));
        if (index != null && index.path("_class_name").isTextual()) return index.get("_class_name").asText();
        JsonNode config;
        try {
            config = readJson(dir.resolve("config.json"));
        } catch (ModelFormatException e) {
            return null; // the family that opens it reports what is wrong
        }
        if (config == null) return null;
        if (config.path("_class_name").isTextual()) return config.get("_class_name").asText();
        if (config.path("architecture").isTextual()) return config.get("architecture").asText();
        return null;
    }

    /** A JSON object from a regular file of bounded size ({@link JsonFiles}); null when the file is absent. */
    public static JsonNode readJson(Path file) {
        return JsonFiles.readIfPresent(file, "model folder file");
    }
}
