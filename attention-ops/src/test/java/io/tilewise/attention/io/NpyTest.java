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
