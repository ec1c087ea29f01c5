package io.tilewise.reorder;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParoPlanFileTest {

    private static final TokenLayout LAYOUT = new TokenLayout(new TokenGrid(3, 5, 7), 77, TextPlacement.PREFIX);
    /** Byte offsets of header fields (see ParoPlanFile). */
    private static final int GROUPS_AT = 33;
    private static final int HEADS_AT = 41;

    @TempDir
    Path dir;

    private ParoPlan plan() {
        AxisOrder[] orders = {AxisOrder.HWF, AxisOrder.FHW, AxisOrder.WHF};
        return ParoTesting.randomPlan("tiny-t2v", LAYOUT, 16, 2, 3, orders, 0.3, 42);
    }

    private Path written() {
        return ParoTesting.write(plan(), dir, "plan.paro");
    }

    private static String refusal(Path file) {
        return assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(file, "tiny-t2v", LAYOUT)).getMessage();
    }

    @Test
    void writeThenReadGivesAnEqualPlan() throws IOException {
        ParoPlan plan = plan();
        Path file = written();
        ParoPlan read = ParoPlanFile.read(file, "tiny-t2v", LAYOUT);
        assertEquals(plan, read);
        assertEquals(AxisOrder.WHF, read.order(1, 2, 2));
        assertEquals(plan.executorPlan(1, 2), read.executorPlan(1, 2));
        for (int g = 0; g < 2; g++) {
            for (int l = 0; l < 3; l++) {
                for (int h = 0; h < 3; h++) assertEquals(plan.mask(g, l, h), read.mask(g, l, h), g + "/" + l + "/" + h);
            }
        }
        // writing leaves no temporary file behind and overwrites atomically
        ParoPlanFile.write(read, file);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void everyFlippedByteIsRefused() throws IOException {
        Path file = written();
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("bad.paro");
        // every header byte, then a sample of body and hash bytes
        for (int i = 0; i < good.length; i += i < 120 ? 1 : 37) {
            byte[] copy = good.clone();
            copy[i] ^= 0x10;
            Files.write(bad, copy);
            int at = i;
            ParoPlanException e = assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(bad, "tiny-t2v", LAYOUT),
                    () -> "byte " + at + " flipped was accepted");
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        byte[] copy = good.clone();
        copy[good.length - 100] ^= 1;
        Files.write(bad, copy);
        assertTrue(refusal(bad).contains("content hash does not match"), refusal(bad));
    }

    @Test
    void truncatedOrExtendedFilesAreRefused() throws IOException {
        Path file = written();
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("short.paro");
        for (int length : new int[] {0, 7, 30, 60, good.length / 2, good.length - 1}) {
            Files.write(bad, Arrays.copyOf(good, length));
            String message = refusal(bad);
            assertTrue(message.contains("truncated") || message.contains("not a PARO plan"), length + ": " + message);
        }
        Files.write(bad, Arrays.copyOf(good, good.length + 3));
        assertTrue(refusal(bad).contains("needs exactly"), refusal(bad));
        assertTrue(refusal(dir.resolve("missing.paro")).contains("does not exist"));
    }

    @Test
    void aPlanForAnotherLayoutOrModelIsRefusedNamingBoth() {
        Path file = written();
        TokenLayout other = new TokenLayout(new TokenGrid(3, 5, 8), 77, TextPlacement.PREFIX);
        String layout = assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(file, "tiny-t2v", other)).getMessage();
        assertTrue(layout.contains("3x5x7+77txt(prefix)") && layout.contains("3x5x8+77txt(prefix)"), layout);
        String model = assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(file, "wan-14b", LAYOUT)).getMessage();
        assertTrue(model.contains("'tiny-t2v'") && model.contains("'wan-14b'"), model);
        String both = assertThrows(ParoPlanException.class, () -> ParoPlanFile.read(file, "wan-14b", other)).getMessage();
        assertTrue(both.contains("model") && both.contains("layout"), both);
        assertEquals(plan(), ParoPlanFile.read(file));
    }

    @Test
    void absurdHeaderSizesAreRefusedBeforeAnyAllocation() throws IOException {
        Path file = written();
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("absurd.paro");
        // out of bounds: refused by the bound check
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).putInt(GROUPS_AT, 2_000_000_000);
        Files.write(bad, huge);
        assertTrue(refusal(bad).contains("groups 2000000000 not in 1..1024"), refusal(bad));
        byte[] negative = good.clone();
        ByteBuffer.wrap(negative).putInt(HEADS_AT, -5);
        Files.write(bad, negative);
        assertTrue(refusal(bad).contains("heads -5"), refusal(bad));
        // within bounds but implying a file of many GB: refused by the length check, nothing allocated
        byte[] big = good.clone();
        ByteBuffer.wrap(big).putInt(GROUPS_AT, 1024).putInt(GROUPS_AT + 4, 1024).putInt(HEADS_AT, 1024);
        Files.write(bad, big);
        assertTrue(refusal(bad).contains("is truncated") && refusal(bad).contains("its header needs"), refusal(bad));
        byte[] grid = good.clone();
        ByteBuffer.wrap(grid).putInt(12, 4000).putInt(16, 4000).putInt(20, 4000);
        Files.write(bad, grid);
        assertTrue(refusal(bad).contains("more than"), refusal(bad));
    }

    @Test
    void otherFormatVersionIsRefusedByNumber() throws IOException {
        byte[] bytes = Files.readAllBytes(written());
        ByteBuffer.wrap(bytes).putInt(8, 2);
        Path bad = dir.resolve("v2.paro");
        Files.write(bad, bytes);
        assertTrue(refusal(bad).contains("format version 2"), refusal(bad));
    }

    @Test
    void calibratedForHashDependsOnModelAndLayout() {
        byte[] a = ParoPlan.calibratedFor("m", LAYOUT);
        assertTrue(Arrays.equals(a, ParoPlan.calibratedFor("m", LAYOUT)));
        assertFalse(Arrays.equals(a, ParoPlan.calibratedFor("n", LAYOUT)));
        assertFalse(Arrays.equals(a, ParoPlan.calibratedFor("m", new TokenLayout(LAYOUT.grid(), 77, TextPlacement.SUFFIX))));
    }
}
