package io.tilewise.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void writtenFileHasTheSafetensorsLayoutAndReadsBack() throws Exception {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a.weight", new Safetensors.Tensor(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-7f, -0f}));
        tensors.put("b", new Safetensors.Tensor(new long[] {1}, new float[] {42}));
        tensors.put("c.bias", new Safetensors.Tensor(new long[] {5}, new float[] {1, 2, 3, 4, Float.MAX_VALUE}));
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt"));

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals('{', header.charAt(0));
        String padding = header.substring(header.stripTrailing().length());
        assertTrue(padding.chars().allMatch(ch -> ch == ' '), "padding is trailing spaces only");
        JsonNode json = new ObjectMapper().readTree(header);
        assertEquals("pt", json.get("__metadata__").get("format").asText());
        long expectedOffset = 0;
        int count = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            count++;
            Safetensors.Tensor t = tensors.get(e.getKey());
            assertEquals("F32", e.getValue().get("dtype").asText());
            assertEquals(t.shape().length, e.getValue().get("shape").size());
            assertEquals(expectedOffset, e.getValue().get("data_offsets").get(0).asLong());
            expectedOffset += 4L * t.data().length;
            assertEquals(expectedOffset, e.getValue().get("data_offsets").get(1).asLong());
            // raw little-endian floats at the stated offsets
            ByteBuffer raw = ByteBuffer.wrap(bytes, (int) (8 + n + expectedOffset - 4L * t.data().length), 4 * t.data().length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.data()) {
                assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(raw.getFloat()));
            }
        }
        assertEquals(3, count);
        assertEquals(8 + n + expectedOffset, bytes.length);

        Map<String, Safetensors.Tensor> back = Safetensors.read(file);
        assertEquals(tensors.keySet(), back.keySet());
        for (String k : tensors.keySet()) {
            assertArrayEquals(tensors.get(k).shape(), back.get(k).shape());
            assertArrayEquals(tensors.get(k).data(), back.get(k).data());
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.equals(file)), "no temp file left behind");
        }
    }
}
