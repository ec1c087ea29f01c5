package io.tilewise.pipeline.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link SafetensorsFile#open}: any file opens or is refused with one {@link ModelFormatException} (the
 * header length, offsets and shapes are checked against the file before anything is read or allocated). Every tensor
 * of a file that opens reads back with as many values as its shape says, and writing the tensors again gives a file
 * that opens to the same tensors. Corpus: {@code SafetensorsFileFuzzTestInputs}.
 */
class SafetensorsFileFuzzTest {

    private static final Path DIR = FuzzFiles.tempDir("safetensors-fuzz");

    @FuzzTest(maxDuration = "5m")
    void open(byte[] input) {
        check(input);
    }

    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "SafetensorsFileFuzzTestInputs"), 8, 1000, SafetensorsFileFuzzTest::check);
    }

    static void check(byte[] input) {
        Path file = FuzzFiles.write(DIR.resolve("fuzz.safetensors"), input);
        ParserContract.holds(() -> {
            SafetensorsWriter again = new SafetensorsWriter();
            Map<String, TensorInfo> tensors;
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                tensors = st.tensors();
                for (TensorInfo info : tensors.values()) {
                    float[] values = st.floats(info.name());
                    if (values.length != info.elementCount()) {
                        throw new AssertionError(info + " read " + values.length + " values");
                    }
                    again.add(info.name(), info.shape(), values);
                }
                st.metadata().forEach(again::metadata);
            }
            Path copy = DIR.resolve("copy.safetensors");
            again.write(copy);
            try (SafetensorsFile back = SafetensorsFile.open(copy)) {
                for (TensorInfo info : tensors.values()) {
                    if (!Arrays.equals(back.info(info.name()).shape(), info.shape())) {
                        throw new AssertionError(info + " wrote back as " + back.info(info.name()));
                    }
                }
                if (back.tensors().size() != tensors.size()) throw new AssertionError("tensor count changed in a write");
            }
        }, List.of(ModelFormatException.class));
    }

    /** A file that cannot be read at all is an I/O error, not a format error. */
    static final class FuzzFiles {
        static Path tempDir(String prefix) {
            try {
                return Files.createTempDirectory(prefix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Path write(Path file, byte[] bytes) {
            try {
                return Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
