package io.tilewise.pipeline.model;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import io.tilewise.pipeline.run.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

/**
 * Fuzzes {@code config.json} ({@link ModelConfig#read}): any file gives a config or one
 * {@link ModelFormatException}. A config that is accepted has sizes whose weight shapes can be listed without
 * overflow or an out-of-memory ({@link ModelWeights#expectedShapes}), a working tokenizer, and writes back to the
 * same JSON. Corpus: {@code ModelConfigFuzzTestInputs}.
 */
class ModelConfigFuzzTest {

    private static final Path DIR = SafetensorsFileFuzzTest.FuzzFiles.tempDir("config-fuzz");

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"\"architecture\"", "\"tilewise-tiny-dit-v1\"", "\"hidden\"", "\"heads\"", "\"blocks\"",
            "\"mlp_ratio\"", "\"patch\"", "\"channels\"", "\"freq_dim\"", "\"rope_axes\"", "\"rope_theta\"", "\"text\"",
            "\"layers\"", "\"max_tokens\"", "\"vocab\"", "\"<pad>\"", "\"<bos>\"", "\"defaults\"", "\"frames\"",
            "\"height\"", "\"width\"", "\"steps\"", "\"guidance\"", "\"shift\"", "\"causal_chunk_frames\"",
            "2147483647", "1e309", "-1", "0"})
    void read(byte[] input) {
        check(input);
    }

    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "ModelConfigFuzzTestInputs"), 2, 1500, ModelConfigFuzzTest::check);
    }

    static void check(byte[] input) {
        Path file = SafetensorsFileFuzzTest.FuzzFiles.write(DIR.resolve("config.json"), input);
        ParserContract.holds(() -> {
            ModelConfig config = ModelConfig.read(file);
            long values = 0;
            for (long[] shape : ModelWeights.expectedShapes(config).values()) {
                long n = 1;
                for (long s : shape) {
                    if (s < 1) throw new AssertionError("weight shape with size " + s + " from " + config);
                    n = Math.multiplyExact(n, s);
                }
                values = Math.addExact(values, n);
            }
            Tokenizer.of(config).encode("a red circle moving left");
            String json = config.toJson().toString();
            String again = ModelConfig.fromJson(config.toJson()).toJson().toString();
            if (!json.equals(again)) throw new AssertionError("config changed in a write and read:\n" + json + "\n" + again);
        }, List.of(ModelFormatException.class));
    }
}
