package io.tilewise.pipeline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.io.UserFileException;
import io.tilewise.attention.io.UserFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The config files of model folders (config.json, model_index.json, shard indexes, scheduler and tokenizer configs):
 * regular files only, read with a hard byte bound and strict UTF-8 ({@link UserFiles}), a JSON object at the top.
 * Every failure is a {@link ModelFormatException} naming the file and what is wrong.
 */
public final class JsonFiles {

    /** Config files are small; a larger one is refused before it is read. */
    public static final long MAX_BYTES = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {
    }

    /** The JSON object in {@code file}, or null when the file does not exist. */
    public static JsonNode readIfPresent(Path file, String what) {
        return Files.exists(file) || Files.isSymbolicLink(file) ? read(file, what) : null;
    }

    /** The JSON object in {@code file} ({@code what} names it in errors, e.g. "model config"). */
    public static JsonNode read(Path file, String what) {
        String text;
        try {
            text = UserFiles.readUtf8(file, what, MAX_BYTES);
        } catch (UserFileException e) {
            throw new ModelFormatException(e.getMessage());
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) throw new ModelFormatException(what + " " + file + ": must be a JSON object");
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(what + " " + file + ": not valid JSON: " + e.getOriginalMessage());
        }
    }
}
