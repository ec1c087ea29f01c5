package io.tilewise.pipeline.model;

import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTrip() {
        float[] a = Arrays2.normal(1, 12, 1);
        float[] b = {1.5f, -2f, Float.MIN_VALUE};
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().metadata("format", "pt").add("a.weight", new long[] {3, 4}, a).add("b", new long[] {3}, b)
                .add("empty", new long[] {0, 5}, new float[0]).write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(java.util.List.of("a.weight", "b", "empty"), java.util.List.copyOf(st.tensors().keySet()));
            assertArrayEquals(new long[] {3, 4}, st.info("a.weight").shape());
            assertArrayEquals(a, st.floats("a.weight"));
            assertArrayEquals(b, st.floats("b"));
            assertEquals(0, st.floats("empty").length);
            assertEquals("pt", st.metadata().get("format"));
            st.close();
            assertThrows(IllegalStateException.class, () -> st.floats("b"));
        }
    }

    @Test
    void refusesHeaderLengthBeyondLimitOrFile() throws IOException {
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, header(200L * 1024 * 1024, "{}"));
        assertMessage(huge, "header length 209715200 must be in 2..104857600");
        Path past = dir.resolve("past.safetensors");
        Files.write(past, header(4000, "{}"));
        assertMessage(past, "runs past the end");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        assertMessage(tiny, "fewer than the 8-byte header length");
        Path negative = dir.resolve("neg.safetensors");
        Files.write(negative, header(-1, "{}"));
        assertMessage(negative, "header length 18446744073709551615");
    }

    @Test
    void refusesBadJsonAndOtherDtypes() {
        Path bad = dir.resolve("bad.safetensors");
        SafetensorsWriter.writeRaw(bad, "{not json");
        assertMessage(bad, "not valid JSON");
        Path i8 = dir.resolve("i8.safetensors");
        SafetensorsWriter.writeRaw(i8, "{\"x\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", new float[1]);
        assertMessage(i8, "tensor x has dtype I8; only F32, BF16 or F16 is supported");
        Path f16 = dir.resolve("f16.safetensors");
        SafetensorsWriter.writeRaw(f16, "{\"x\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", new float[2]);
        assertMessage(f16, "tensor x: shape [3] needs 3·2 bytes but data_offsets span 8");
    }

    @Test
    void refusesOffsetsThatDisagreeOverlapOrRunOut() {
        Path span = dir.resolve("span.safetensors");
        SafetensorsWriter.writeRaw(span, "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new float[2]);
        assertMessage(span, "tensor x: shape [3] needs 3·4 bytes but data_offsets span 8");
        Path overlap = dir.resolve("overlap.safetensors");
        SafetensorsWriter.writeRaw(overlap, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new float[3]);
        assertMessage(overlap, "tensors x [0, 8) and y [4, 12) overlap");
        Path out = dir.resolve("out.safetensors");
        SafetensorsWriter.writeRaw(out, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new float[2]);
        assertMessage(out, "data_offsets [0, 16] outside the data section of 8 bytes");
        Path negative = dir.resolve("negshape.safetensors");
        SafetensorsWriter.writeRaw(negative, "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new float[2]);
        assertMessage(negative, "must hold non-negative integers");
    }

    /** Issue 21, item 13: offsets of 2^64 and more wrapped to small ones and the file opened. */
    @Test
    void refusesOffsetsPastTwoToTheSixtyFour() {
        Path wrap = dir.resolve("wrap.safetensors");
        SafetensorsWriter.writeRaw(wrap, "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[18446744073709551616,18446744073709551624]}}", new float[2]);
        assertMessage(wrap, "data_offsets [18446744073709551616,18446744073709551624] outside the data section of 8 bytes");
    }

    private static void assertMessage(Path file, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
        assertTrue(e.getMessage().startsWith(file.getFileName().toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static byte[] header(long length, String json) {
        byte[] j = json.getBytes();
        return ByteBuffer.allocate(8 + j.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(j).array();
    }
}
