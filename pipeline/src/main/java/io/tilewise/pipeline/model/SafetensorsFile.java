package io.tilewise.pipeline.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.tilewise.attention.io.UserFileException;
import io.tilewise.attention.io.UserFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only, memory-mapped safetensors file with a validated header.
 *
 * <p>Format: an 8-byte little-endian header length {@code n}, {@code n} bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}), then the
 * data section; offsets are relative to its start. Validation before any tensor is read: the header length is at
 * most {@value #MAX_HEADER_BYTES} bytes and inside the file; every dtype is {@code F32}, {@code BF16} or
 * {@code F16} (others are refused by name); {@code product(shape)·bytes(dtype) == end − begin}; every range lies
 * inside the data section; no two ranges overlap.
 *
 * <p>The data section is memory-mapped, never read whole: {@link #floats} widens one tensor to fp32 on the heap when
 * asked and then releases that tensor's pages from the process (they stay in the OS page cache), so reading a
 * checkpoint tensor by tensor keeps only the tensors a caller holds resident.
 *
 * <p>Ownership: the mapping lives until {@link #close()} (idempotent); {@link #floats} copies onto the heap, so
 * arrays stay valid after close.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Larger headers are refused before reading them (a corrupt length must not allocate gigabytes). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates {@code path}.
     *
     * @throws ModelFormatException when the header is malformed (the message names the file and the problem)
     * @throws UncheckedIOException when the file cannot be read
     */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = UserFiles.openChannel(path, "safetensors file")) {
            long size = channel.size();
            if (size < 8) throw bad(path, "file has " + size + " bytes, fewer than the 8-byte header length");
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw bad(path, "header length " + Long.toUnsignedString(headerLength) + " must be in 2.." + MAX_HEADER_BYTES);
            }
            if (8 + headerLength > size) {
                throw bad(path, "header length " + headerLength + " runs past the end of the " + size + "-byte file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, new String(header.array(), StandardCharsets.UTF_8),
                    dataLength, metadata);
            MemorySegment data = dataLength == 0 ? MemorySegment.NULL
                    : channel.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength, arena);
            return new SafetensorsFile(path, arena, data, tensors, Collections.unmodifiableMap(metadata));
        } catch (UserFileException e) {
            arena.close();
            throw new ModelFormatException(e.getMessage());
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) throw new ModelFormatException(path.getFileName() + ": no tensor named " + name);
        return info;
    }

    /** A read-only view of the tensor's bytes (valid until close). */
    public MemorySegment segment(String name) {
        ensureOpen();
        TensorInfo info = info(name);
        return data.asSlice(info.begin(), info.end() - info.begin());
    }

    /** The tensor's stored element type. */
    public SafetensorsDtype dtype(String name) {
        return SafetensorsDtype.valueOf(info(name).dtype());
    }

    /** The tensor's values widened to fp32, copied to the heap (row-major). */
    public float[] floats(String name) {
        long count = info(name).elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path.getFileName() + ": tensor " + name + " has " + count
                    + " values, too many for one array");
        }
        float[] out = new float[(int) count];
        floats(name, out, 0);
        return out;
    }

    /** Widens the tensor's values to fp32 into {@code dst[offset..]} (row-major); returns the element count. */
    public int floats(String name, float[] dst, int offset) {
        MemorySegment s = segment(name);
        SafetensorsDtype dtype = dtype(name);
        long count = s.byteSize() / dtype.bytes();
        if (count > dst.length - (long) offset) {
            throw new IllegalArgumentException(name + " has " + count + " values; " + (dst.length - offset) + " fit in dst");
        }
        dtype.decode(s, 0, dst, offset, (int) count);
        // The fp32 copy is what the caller keeps: drop the file pages from this process (they stay in the page cache),
        // so reading a whole checkpoint tensor by tensor does not leave it all resident on top of its fp32 form.
        if (s.isMapped()) s.unload();
        return (int) count;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataLength,
                                                       Map<String, String> metadata) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.trim());
        } catch (JsonProcessingException e) {
            throw bad(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw bad(path, "header must be a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode entry = field.getValue();
            if (name.equals("__metadata__")) {
                if (!entry.isObject()) throw bad(path, "__metadata__ must be an object of strings");
                entry.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseEntry(path, name, entry, dataLength));
        }
        requireNoOverlap(path, tensors);
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode entry, long dataLength) {
        if (!entry.isObject()) throw bad(path, "tensor " + name + ": entry must be an object");
        JsonNode dtype = entry.get("dtype");
        JsonNode shape = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw bad(path, "tensor " + name + ": dtype is missing");
        SafetensorsDtype type = SafetensorsDtype.parse(dtype.asText());
        if (type == null) {
            throw bad(path, "tensor " + name + " has dtype " + dtype.asText() + "; only "
                    + SafetensorsDtype.supported() + " is supported (convert the checkpoint)");
        }
        if (shape == null || !shape.isArray()) throw bad(path, "tensor " + name + ": shape is missing");
        long[] dims = new long[shape.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(path, "tensor " + name + ": shape " + shape + " must hold non-negative integers");
            }
            dims[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, dims[i]);
            } catch (ArithmeticException e) {
                throw bad(path, "tensor " + name + ": shape " + shape + " overflows");
            }
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber()) {
            throw bad(path, "tensor " + name + ": data_offsets must be [begin, end]");
        }
        // An offset of 2^64 or more would wrap in asLong(); no file has such an offset.
        if (!offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw bad(path, "tensor " + name + ": data_offsets " + offsets + " outside the data section of " + dataLength + " bytes");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLength) {
            throw bad(path, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataLength + " bytes");
        }
        if (count > Long.MAX_VALUE / type.bytes() || count * type.bytes() != end - begin) {
            throw bad(path, "tensor " + name + ": shape " + shape + " needs " + count + "·" + type.bytes()
                    + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, type.name(), dims, begin, end);
    }

    private static void requireNoOverlap(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.removeIf(t -> t.begin() == t.end()); // empty tensors occupy no bytes
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo next = sorted.get(i);
            if (next.begin() < prev.end()) {
                throw bad(path, "tensors " + prev.name() + " [" + prev.begin() + ", " + prev.end() + ") and " + next.name()
                        + " [" + next.begin() + ", " + next.end() + ") overlap");
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private static ModelFormatException bad(Path path, String what) {
        return new ModelFormatException(path.getFileName() + ": " + what);
    }
}
