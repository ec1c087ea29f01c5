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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as a safetensors file, each stored as F32 or, rounded to nearest-even, as BF16 or F16 (header padded with spaces to 8 bytes, as the reference implementation
 * does). Tensors are laid out in insertion order. Writes to a temporary file and renames it, so no partial file is
 * left behind.
 */
public final class SafetensorsWriter {

    private record Entry(long[] shape, float[] values, SafetensorsDtype dtype) {
    }

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds an F32 tensor; {@code values.length} must equal the product of {@code shape}. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        return add(name, shape, values, SafetensorsDtype.F32);
    }

    /** Adds a tensor stored as {@code dtype} (values rounded to nearest-even when it is narrower than F32). */
    public SafetensorsWriter add(String name, long[] shape, float[] values, SafetensorsDtype dtype) {
        long count = 1;
        for (long s : shape) count *= s;
        if (count != values.length) {
            throw new IllegalArgumentException(name + ": shape needs " + count + " values, got " + values.length);
        }
        if (tensors.put(name, new Entry(shape.clone(), values, dtype)) != null) {
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
            t.put("dtype", e.getValue().dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long s : e.getValue().shape()) shape.add(s);
            long bytes = (long) e.getValue().values().length * e.getValue().dtype().bytes();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        return root.toString();
    }

    public void write(Path path) {
        writeBytes(path, headerJson(), tensors.values().stream().map(SafetensorsWriter::encode).toList());
    }

    private static byte[] encode(Entry e) {
        SafetensorsDtype dtype = e.dtype();
        ByteBuffer b = ByteBuffer.allocate(e.values().length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : e.values()) {
            if (dtype == SafetensorsDtype.F32) b.putFloat(v);
            else b.putShort((short) dtype.encode(v));
        }
        return b.array();
    }

    /**
     * Writes {@code header} verbatim followed by the given arrays back to back: the low-level form used to produce
     * deliberately corrupt files in tests.
     */
    public static void writeRaw(Path path, String header, float[]... data) {
        List<byte[]> bytes = new ArrayList<>();
        for (float[] values : data) {
            ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            bytes.add(b.array());
        }
        writeBytes(path, header, bytes);
    }

    private static void writeBytes(Path path, String header, List<byte[]> data) {
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
                    for (byte[] bytes : data) out.write(bytes);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
