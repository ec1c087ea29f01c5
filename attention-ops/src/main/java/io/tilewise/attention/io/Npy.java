package io.tilewise.attention.io;

import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.memory.MemoryLimitException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files holding float32, little-endian, C-order arrays. Anything else (other
 * dtypes, Fortran order, big-endian, a header or data size that does not match the file) is refused with a
 * message naming the file and what was found.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Real headers are a few hundred bytes; a bound keeps a hostile file from making us allocate. */
    private static final int MAX_HEADER = 1 << 16;
    private static final int MAX_DIMS = 8;
    /** The most elements a Java array can hold. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads a whole {@code .npy} file; it must be a regular file (see {@link UserFiles}). */
    public static NpyArray read(Path path) throws IOException {
        long fileSize = regularFileSize(path);
        try (InputStream in = UserFiles.newInputStream(path, ".npy file", fileSize)) {
            return read(in, fileSize, path.toString());
        } catch (UserFileException e) {
            throw new NpyFormatException(e.getMessage());
        }
    }

    /**
     * The shape in the header of {@code path}, checked against the file's size, without reading the data: callers
     * that read several large files estimate their memory from this first.
     */
    public static int[] shape(Path path) throws IOException {
        long fileSize = regularFileSize(path);
        try (InputStream in = UserFiles.newInputStream(path, ".npy file", fileSize)) {
            return header(in, fileSize, path.toString()).shape;
        } catch (UserFileException e) {
            throw new NpyFormatException(e.getMessage());
        }
    }

    private static long regularFileSize(Path path) throws NpyFormatException {
        try {
            return UserFiles.requireRegularFile(path, ".npy file");
        } catch (UserFileException e) {
            throw new NpyFormatException(Files.notExists(path) ? path + ": no such file" : e.getMessage());
        }
    }

    /**
     * Reads from a stream of known total size {@code streamSize} (used to bound the data section).
     *
     * @throws NpyFormatException   when the bytes are not a float32 C-order {@code .npy} of that size
     * @throws io.tilewise.attention.memory.MemoryLimitException when the values need more heap than is free
     */
    public static NpyArray read(InputStream in, long streamSize, String name) throws IOException {
        Runtime rt = Runtime.getRuntime();
        return read(in, streamSize, name, rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()));
    }

    /** As {@link #read(InputStream, long, String)} with {@code heapBytes} of heap to hold the values. */
    static NpyArray read(InputStream in, long streamSize, String name, long heapBytes) throws IOException {
        Header h = header(in, streamSize, name);
        long dataBytes = h.count * Float.BYTES;
        if (h.count > MAX_VALUES) {
            throw new NpyFormatException(name + ": shape " + Arrays.toString(h.shape) + " has " + h.count
                    + " values, more than one array holds (" + MAX_VALUES + ")");
        }
        // A large valid file is refused before the read, by size, not by an OutOfMemoryError halfway through.
        if (dataBytes > heapBytes) {
            throw new MemoryLimitException(name + ": shape " + Arrays.toString(h.shape) + " needs "
                    + MemoryEstimate.format(dataBytes) + " of memory, but " + MemoryEstimate.format(Math.max(0, heapBytes))
                    + " of the heap is free; give Java more (-Xmx, TILEWISE_JAVA_OPTS) or use a smaller tensor",
                    MemoryEstimate.builder(name).add("values", dataBytes).build(), heapBytes);
        }
        float[] data = new float[(int) h.count];
        // In chunks straight into the array: no second copy of the data, and no int overflow for files over 2 GiB.
        byte[] chunk = new byte[1 << 20];
        ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int filled = 0;
        while (filled < data.length) {
            int floats = Math.min(data.length - filled, chunk.length / Float.BYTES);
            int got = in.readNBytes(chunk, 0, floats * Float.BYTES);
            if (got < floats * Float.BYTES) {
                throw new NpyFormatException(name + ": data section is truncated (the file ended after "
                        + ((long) filled * Float.BYTES + got) + " of " + dataBytes + " data bytes)");
            }
            view.clear();
            view.asFloatBuffer().get(data, filled, floats);
            filled += floats;
        }
        return new NpyArray(h.shape, data);
    }

    private record Header(int[] shape, long count) {
    }

    private static Header header(InputStream in, long streamSize, String name) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8) throw new NpyFormatException(name + ": not a .npy file (shorter than its 8-byte preamble)");
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) throw new NpyFormatException(name + ": not a .npy file (bad magic bytes)");
        }
        int major = magic[6] & 0xff;
        int headerLen;
        int preamble;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            if (len.length < 2) throw new NpyFormatException(name + ": truncated .npy header length");
            headerLen = (len[0] & 0xff) | (len[1] & 0xff) << 8;
            preamble = 10;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            if (len.length < 4) throw new NpyFormatException(name + ": truncated .npy header length");
            long l = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (l > MAX_HEADER) throw new NpyFormatException(name + ": .npy header of " + l + " bytes exceeds the " + MAX_HEADER + "-byte limit");
            headerLen = (int) l;
            preamble = 12;
        } else {
            throw new NpyFormatException(name + ": .npy format version " + major + " is not supported (1, 2 or 3)");
        }
        if (headerLen > MAX_HEADER) throw new NpyFormatException(name + ": .npy header of " + headerLen + " bytes exceeds the limit");
        byte[] headerBytes = in.readNBytes(headerLen);
        if (headerBytes.length < headerLen) throw new NpyFormatException(name + ": truncated .npy header");
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        String descr = find(DESCR, header, name, "descr");
        if (!descr.equals("<f4")) {
            throw new NpyFormatException(name + ": dtype '" + descr + "' is not supported; only float32 little-endian ('<f4'). "
                    + "Convert with arr.astype('<f4')");
        }
        if (find(FORTRAN, header, name, "fortran_order").equals("True")) {
            throw new NpyFormatException(name + ": Fortran-order arrays are not supported; save with np.ascontiguousarray(arr)");
        }
        int[] shape = parseShape(find(SHAPE, header, name, "shape"), name);
        long count = NpyArray.valueCount(shape);
        // A shape whose size cannot be a file (e.g. 65536^4, which wraps to 0 in 64 bits) is refused by name.
        if (count < 0 || count > streamSize / Float.BYTES) {
            throw new NpyFormatException(name + ": shape " + Arrays.toString(shape) + " needs "
                    + (count < 0 ? "more than 2^63" : count * Float.BYTES) + " data bytes but the file has "
                    + Math.max(0, streamSize - preamble - headerLen));
        }
        long dataBytes = count * Float.BYTES;
        long available = streamSize - preamble - headerLen;
        if (dataBytes != available) {
            throw new NpyFormatException(name + ": shape " + Arrays.toString(shape) + " needs " + dataBytes
                    + " data bytes but the file has " + available);
        }
        return new Header(shape, count);
    }

    /** Writes atomically: a temp file beside the target, then a rename, so no partial file is ever left. */
    public static void write(Path path, NpyArray array) throws IOException {
        AtomicFiles.write(path, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                write(out, array);
            }
        });
    }

    public static void write(OutputStream out, NpyArray array) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < array.shape().length; i++) {
            shape.append(array.shape()[i]);
            if (array.shape().length == 1 || i < array.shape().length - 1) shape.append(", ");
        }
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        // Pad so that data starts on a 64-byte boundary, ending the header with '\n' (NumPy's convention).
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.write(pre.array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer data = ByteBuffer.allocate(array.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(array.data());
        out.write(data.array());
    }

    /**
     * The value of {@code key}; of duplicates, the last, as NumPy reads the header (a Python dict literal through
     * {@code ast.literal_eval}, where a repeated key keeps its last value).
     */
    private static String find(Pattern pattern, String header, String name, String key) throws NpyFormatException {
        Matcher m = pattern.matcher(header);
        String value = null;
        while (m.find()) value = m.group(1);
        if (value == null) throw new NpyFormatException(name + ": .npy header has no valid '" + key + "' entry");
        return value;
    }

    private static int[] parseShape(String text, String name) throws NpyFormatException {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            try {
                long v = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
                if (v < 0 || v > Integer.MAX_VALUE) throw new NumberFormatException();
                dims.add((int) v);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(name + ": .npy shape (" + text + ") has an invalid size '" + p + "'");
            }
            if (dims.size() > MAX_DIMS) throw new NpyFormatException(name + ": .npy shape has more than " + MAX_DIMS + " axes");
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
