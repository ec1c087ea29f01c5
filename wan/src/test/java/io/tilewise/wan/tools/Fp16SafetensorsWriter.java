package io.tilewise.wan.tools;

import io.tilewise.attention.io.AtomicFiles;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.wan.fixtures.SafetensorsBytes;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file whose every tensor is F16, streaming each one from a (memory-mapped) source tensor of any
 * dtype Tilewise reads, or writing zeros for a placeholder, a chunk at a time: the heap holds one chunk whatever the
 * file's size. Each value is rounded to nearest-even; F32 and BF16 values inside fp16's normal range whose mantissa
 * fits are kept exactly, smaller ones become fp16 subnormals or zero (counted as inexact), and a value beyond fp16's
 * finite range (|x| above 65504 after rounding), a NaN or an infinity stops the write, since sd.cpp would then compute
 * a different model. Written through {@link AtomicFiles}, so a failure leaves no file behind.
 */
final class Fp16SafetensorsWriter {

    /** One output tensor: copied from {@code source} (its tensor {@code sourceName}), or zeros when source is null. */
    record Entry(String name, long[] shape, SafetensorsFile source, String sourceName) {
        long count() {
            long n = 1;
            for (long s : shape) n = Math.multiplyExact(n, s);
            return n;
        }

        static Entry zeros(String name, long[] shape) {
            return new Entry(name, shape, null, null);
        }
    }

    /** What one write did: tensors, values, values fp16 could not hold exactly (and the largest error), placeholders. */
    record Report(int tensors, long values, long inexact, double maxAbsError, int placeholders) {
    }

    /** A source value fp16 cannot hold: the message names the tensor, the element and the value. */
    static final class OutOfRangeException extends RuntimeException {
        OutOfRangeException(String message) {
            super(message);
        }
    }

    private static final int CHUNK = 1 << 20;

    private Fp16SafetensorsWriter() {
    }

    static Report write(Path target, List<Entry> entries) throws IOException {
        byte[] header = header(entries);
        long[] inexact = {0};
        double[] maxError = {0};
        int[] placeholders = {0};
        long[] values = {0};
        AtomicFiles.write(target, tmp -> {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(header.length).put(header).flip();
                writeFully(out, head);
                float[] chunk = new float[CHUNK];
                ByteBuffer bytes = ByteBuffer.allocateDirect(CHUNK * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (Entry e : entries) {
                    long count = e.count();
                    values[0] += count;
                    if (e.source() == null) placeholders[0]++;
                    MemorySegment src = e.source() == null ? null : e.source().segment(e.sourceName());
                    SafetensorsDtype dtype = e.source() == null ? null : e.source().dtype(e.sourceName());
                    for (long start = 0; start < count; start += CHUNK) {
                        int n = (int) Math.min(CHUNK, count - start);
                        if (src == null) java.util.Arrays.fill(chunk, 0, n, 0f);
                        else dtype.decode(src, start, chunk, 0, n);
                        bytes.clear();
                        for (int i = 0; i < n; i++) {
                            float v = chunk[i];
                            short h = Float.floatToFloat16(v);
                            float back = Float.float16ToFloat(h);
                            if (!Float.isFinite(back) || !Float.isFinite(v)) {
                                throw new OutOfRangeException(e.sourceName() + " [element " + (start + i) + "] is " + v
                                        + ", which fp16 cannot hold (finite values up to ±65504)");
                            }
                            if (back != v) {
                                inexact[0]++;
                                maxError[0] = Math.max(maxError[0], Math.abs((double) back - v));
                            }
                            bytes.putShort(h);
                        }
                        bytes.flip();
                        writeFully(out, bytes);
                    }
                    // the values are on disk: drop this tensor's source pages from the process (they stay cached)
                    if (src != null && src.isMapped()) src.unload();
                }
            }
        });
        return new Report(entries.size(), values[0], inexact[0], maxError[0], placeholders[0]);
    }

    /** The JSON header (all F16), padded to keep the data aligned. */
    private static byte[] header(List<Entry> entries) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (shapes.put(e.name(), e.shape()) != null) throw new IllegalArgumentException("tensor " + e.name() + " written twice");
        }
        return SafetensorsBytes.header(shapes, name -> "F16");
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
    }
}
