package io.tilewise.attention.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Fuzzes {@link Npy#read}: any bytes give an array or one {@link NpyFormatException}; an array that is read
 * writes back to the same array and is a tensor or a clear {@link IllegalArgumentException}. Corpus:
 * {@code NpyFuzzTestInputs/read}. Fuzz for real with {@code scripts/fuzz attention-ops NpyFuzzTest 5m}.
 */
class NpyFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void read(byte[] input) {
        check(input);
    }

    /** A seeded mutation run over the corpus (fast and deterministic, part of every build). */
    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "NpyFuzzTestInputs"), 9, 3000, NpyFuzzTest::check);
    }

    static void check(byte[] input) {
        ParserContract.holds(() -> {
            NpyArray array = Npy.read(new ByteArrayInputStream(input), input.length, "fuzz.npy");
            // exact size: 0 with an empty axis anywhere (even after huge ones), else a product that must not overflow
            long values = 1;
            if (java.util.Arrays.stream(array.shape()).anyMatch(s -> s == 0)) values = 0;
            else for (int s : array.shape()) values = Math.multiplyExact(values, s);
            if (values != array.data().length) throw new AssertionError("shape of " + values + " values holds " + array.data().length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Npy.write(out, array);
            byte[] written = out.toByteArray();
            NpyArray back = Npy.read(new ByteArrayInputStream(written), written.length, "written.npy");
            if (!back.equals(array)) throw new AssertionError("round trip changed " + array + " into " + back);
            ParserContract.holds(() -> {
                try (Tensor ignored = array.toTensor("fuzz.npy")) {
                    // allocation and shape checks are the point
                }
            }, List.of(IllegalArgumentException.class));
        }, List.of(NpyFormatException.class));
    }
}
