package io.tilewise.pipeline.model;

import io.tilewise.attention.io.AtomicFiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes F32 tensors as a safetensors file (header padded with spaces to 8 bytes, as the reference implementation
 * does). Tensors are laid out in insertion order. Writes to a temporary file and renames it, so no partial file is
 * left behind.
 */
public final class SafetensorsWriter {

    private record Entry(long[] shape, float[] values) {
    }

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a tensor; {@code values.length} must equal the product of {@code shape}. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        long count = 1;
        for (long s : shape) count *= s;
        if (count != values.length) {
            throw new IllegalArgumentException(name + ": shape needs " + count + " values, got " + values.length);
        }
        if (tensors.put(name, new Entry(shape.clone(), values)) != null) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The JSON header as this writer lays it out (for tests that corrupt it). */
    public String headerJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long s : e.getValue().shape()) shape.add(s);
            long bytes = (long) e.getValue().values().length * Float.BYTES;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        return root.toString();
    }

    public void write(Path path) {
        writeRaw(path, headerJson(), tensors.values().stream().map(Entry::values).toArray(float[][]::new));
    }

    /**
     * Writes {@code header} verbatim followed by the given arrays back to back: the low-level form used to produce
     * deliberately corrupt files in tests.
     */
    public static void writeRaw(Path path, String header, float[]... data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            AtomicFiles.write(path, tmp -> {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                    out.write(len.array());
                    out.write(json);
                    for (int i = json.length; i < padded; i++) out.write(' ');
                    for (float[] values : data) {
                        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                        b.asFloatBuffer().put(values);
                        out.write(b.array());
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
