package io.tilewise.attention.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsShapeAndBits() throws IOException {
        float[] data = {1f, -2.5f, Float.MIN_VALUE, Float.MAX_VALUE, 0f, -0f};
        NpyArray array = new NpyArray(new int[] {1, 2, 3}, data);
        Path file = dir.resolve("a.npy");
        Npy.write(file, array);
        NpyArray back = Npy.read(file);
        assertArrayEquals(array.shape(), back.shape());
        for (int i = 0; i < data.length; i++) {
            assertEquals(Float.floatToRawIntBits(data[i]), Float.floatToRawIntBits(back.data()[i]));
        }
        // Data starts on a 64-byte boundary, as NumPy writes it.
        assertEquals(0, (Files.size(file) - data.length * 4L) % 64);
    }

    @Test
    void readsTheGoldenFilesNumPyWrote() throws IOException {
        try (var in = getClass().getResourceAsStream("/golden/attention/gna-1d-dilated/q.npy")) {
            byte[] bytes = in.readAllBytes();
            NpyArray q = Npy.read(new java.io.ByteArrayInputStream(bytes), bytes.length, "q.npy");
            assertArrayEquals(new int[] {2, 40, 32}, q.shape());
        }
    }

    @Test
    void scalarAndOneDimensionalShapes() throws IOException {
        for (int[] shape : new int[][] {{}, {5}}) {
            NpyArray array = new NpyArray(shape, new float[shape.length == 0 ? 1 : 5]);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Npy.write(out, array);
            byte[] bytes = out.toByteArray();
            assertEquals(array, Npy.read(new java.io.ByteArrayInputStream(bytes), bytes.length, "x"));
        }
    }

    @Test
    void refusesOtherDtypesWithAHint() throws IOException {
        Path file = writeRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertTrue(e.getMessage().contains("dtype '<f8' is not supported"), e.getMessage());
    }

    @Test
    void refusesFortranOrderBigEndianAndSizeMismatch() throws IOException {
        assertThrows(NpyFormatException.class, () -> Npy.read(writeRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", new byte[8])));
        assertThrows(NpyFormatException.class, () -> Npy.read(writeRaw("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", new byte[8])));
        NpyFormatException e = assertThrows(NpyFormatException.class,
                () -> Npy.read(writeRaw("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", new byte[8])));
        assertTrue(e.getMessage().contains("data bytes but the file has 8"), e.getMessage());
    }

    @Test
    void refusesNonNpyAndMissingFiles() throws IOException {
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "hello, world");
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.read(junk)).getMessage().contains("not a .npy file"));
        Path missing = dir.resolve("missing.npy");
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.read(missing)).getMessage().contains("no such file"));
    }

    @Test
    void failedWriteLeavesNoFile() {
        Path target = dir.resolve("no-such-dir").resolve("out.npy");
        assertThrows(IOException.class, () -> Npy.write(target, new NpyArray(new int[] {1}, new float[1])));
        assertFalse(Files.exists(target));
    }

    /** Issue 21, item 13: NumPy reads the header as a Python dict literal, where a repeated key keeps its last value. */
    @Test
    void aDuplicateKeyReadsAsNumPyReadsIt() throws IOException {
        NpyArray last = Npy.read(writeRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'descr': '<f4', }",
                floats(1.5f, -2f)));
        assertArrayEquals(new float[] {1.5f, -2f}, last.data());
        NpyFormatException f8 = assertThrows(NpyFormatException.class, () -> Npy.read(writeRaw(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<f8', }", new byte[16])));
        assertTrue(f8.getMessage().contains("dtype '<f8'"), f8.getMessage());
        NpyArray shape = Npy.read(writeRaw("{'descr': '<f4', 'shape': (3,), 'fortran_order': False, 'shape': (1, 2), }",
                floats(1f, 2f)));
        assertArrayEquals(new int[] {1, 2}, shape.shape());
    }

    /** Issue 21, item 2: a FIFO or a device as a .npy is refused at once, by name. */
    @Test
    void aFifoOrADeviceIsNotRead() throws Exception {
        Path fifo = io.tilewise.attention.testkit.SpecialFiles.fifo(dir.resolve("q.npy"));
        Path zero = io.tilewise.attention.testkit.SpecialFiles.devZero(dir.resolve("k.npy"));
        String f = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(NpyFormatException.class, () -> Npy.read(fifo))).getMessage();
        assertTrue(f.contains(fifo.toString()) && f.contains("FIFO"), f);
        String z = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(NpyFormatException.class, () -> Npy.read(zero))).getMessage();
        assertTrue(z.contains("character device"), z);
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.shape(fifo)).getMessage().contains("FIFO"));
    }

    /**
     * Issue 21, item 3: valid files of 3.2 GiB and exactly 4 GiB (sparse, so the test costs no disk) were refused
     * with "len < 0" and "data section is truncated"; now their shape reads, and the data is refused by the
     * memory it needs before anything is allocated.
     */
    @Test
    void largeValidFilesGetTrueMessages() throws IOException {
        for (int[] shape : new int[][] {{1, 1, 8388608, 96}, {1, 1, 8388608, 128}}) {
            long values = (long) shape[2] * shape[3];
            Path file = sparse("{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape[0] + ", " + shape[1] + ", "
                    + shape[2] + ", " + shape[3] + "), }", values * 4);
            assertArrayEquals(shape, Npy.shape(file));
            long size = Files.size(file);
            try (var in = Files.newInputStream(file)) {
                var e = assertThrows(io.tilewise.attention.memory.MemoryLimitException.class,
                        () -> Npy.read(in, size, "big.npy", 1L << 30));
                assertTrue(e.getMessage().contains("needs " + io.tilewise.attention.memory.MemoryEstimate.format(values * 4))
                        && e.getMessage().contains("1.0 GiB of the heap is free"), e.getMessage());
            }
        }
    }

    /** Data is read in 1 MiB chunks straight into the array: values across chunk boundaries stay exact. */
    @Test
    void readsAcrossChunkBoundaries() throws IOException {
        float[] data = new float[(3 << 18) + 7];
        for (int i = 0; i < data.length; i++) data[i] = i * 0.5f - 7f;
        Path file = dir.resolve("long.npy");
        Npy.write(file, new NpyArray(new int[] {data.length}, data));
        assertArrayEquals(data, Npy.read(file).data());
        byte[] cut = Files.readAllBytes(file);
        Path truncated = Files.write(dir.resolve("cut.npy"), java.util.Arrays.copyOf(cut, cut.length - 4));
        try (var in = Files.newInputStream(truncated)) {
            // a stream that ends early (the size given was the full one)
            String m = assertThrows(NpyFormatException.class, () -> Npy.read(in, cut.length, "cut.npy")).getMessage();
            assertTrue(m.contains("truncated") && m.contains("of " + data.length * 4L + " data bytes"), m);
        }
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** A header, then {@code dataBytes} of zeros as a hole (no disk used). */
    private Path sparse(String dict, long dataBytes) throws IOException {
        Path file = writeRaw(dict, new byte[0]);
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() + dataBytes);
        }
        return file;
    }

    private Path writeRaw(String dict, byte[] data) throws IOException {
        String header = dict + " ".repeat(Math.max(0, 117 - dict.length())) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        Path file = Files.createTempFile(dir, "raw", ".npy");
        Files.write(file, b.array());
        return file;
    }

    @Test
    void writtenFilesAreReadableLikeAnyOutput() throws IOException {
        Path file = dir.resolve("perm.npy");
        Npy.write(file, new NpyArray(new int[] {1}, new float[1]));
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }
}
