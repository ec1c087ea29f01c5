package io.tilewise.pipeline.model;

import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The index of a sharded safetensors checkpoint ({@code *.safetensors.index.json}, as written by diffusers and
 * transformers): {@code {"metadata": {..}, "weight_map": {"tensor name": "shard file name", ..}}}.
 *
 * <p>Validation on read: {@code weight_map} is a non-empty object of strings, and every shard is a plain
 * {@code .safetensors} file name in the index's own folder (no path separators, so an index cannot point outside
 * its checkpoint). Whether the shards exist and hold what the index says is checked by
 * {@link SafetensorsCheckpoint#open}.
 *
 * @param file      the index file
 * @param weightMap tensor name → shard file name, in file order
 */
public record SafetensorsIndex(Path file, Map<String, String> weightMap) {

    /** Larger index files are refused before they are parsed. */
    public static final long MAX_INDEX_BYTES = 64L * 1024 * 1024;

    public SafetensorsIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Reads and validates {@code file}. */
    public static SafetensorsIndex read(Path file) {
        String json;
        try {
            long size = Files.size(file);
            if (size > MAX_INDEX_BYTES) throw bad(file, "has " + size + " bytes, more than " + MAX_INDEX_BYTES);
            json = UserFiles.readUtf8(file, "safetensors index", JsonFiles.MAX_BYTES);
        } catch (NoSuchFileException e) {
            throw bad(file, "does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw bad(file, "is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '));
        }
        if (root == null || !root.isObject()) throw bad(file, "must be a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw bad(file, "weight_map must be a non-empty object of tensor name → shard file");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode shard = e.getValue();
            if (!shard.isTextual()) throw bad(file, "weight_map entry " + e.getKey() + " must name a shard file, got " + shard);
            String name = shard.asText();
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..")
                    || !name.endsWith(".safetensors")) {
                throw bad(file, "weight_map entry " + e.getKey() + " names shard '" + name
                        + "'; expected a .safetensors file name in the same folder");
            }
            weightMap.put(e.getKey(), name);
        }
        return new SafetensorsIndex(file, weightMap);
    }

    /** The shard file names, in the order they first appear. */
    public Set<String> shards() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(weightMap.values()));
    }

    private static ModelFormatException bad(Path file, String what) {
        return new ModelFormatException(file.getFileName() + ": " + what);
    }
}
