package io.tilewise.training;

import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.pipeline.model.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Training's view of safetensors files: whole maps of named F32 tensors, read and written by the same reader and
 * writer inference uses ({@link SafetensorsFile}, {@link SafetensorsWriter}), so a checkpoint training writes is
 * exactly what generation loads.
 */
public final class Safetensors {

    /** A named F32 tensor. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape has " + n + " elements, data " + data.length);
            }
        }
    }

    private Safetensors() {
    }

    /** Writes {@code tensors} (in map order) atomically: to a temp file next to {@code file}, then renamed. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter();
        if (metadata != null) metadata.forEach(writer::metadata);
        tensors.forEach((name, t) -> writer.add(name, t.shape(), t.data()));
        try {
            writer.write(file);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Reads every tensor of a safetensors file, in header order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.tensors().keySet()) out.put(name, new Tensor(f.info(name).shape(), f.floats(name)));
        }
        return out;
    }
}
