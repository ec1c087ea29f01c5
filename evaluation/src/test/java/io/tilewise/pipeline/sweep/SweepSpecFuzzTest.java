package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.family.GenerationDefaults;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes sweep specs ({@link SweepSpecReader#parse}): any text gives a spec or one {@link IllegalArgumentException}
 * line. An accepted spec lists its cells without running out of memory: at most {@link SweepGrid#MAX_CELLS}, however
 * many parameter values a small file asks for. Corpus: {@code SweepSpecFuzzTestInputs}.
 */
class SweepSpecFuzzTest {

    private static final GenerationDefaults DEFAULTS = new GenerationDefaults(4, 32, 32, 4, 4.0, 3.0);

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"\"level\"", "\"attention\"", "\"generation\"", "\"methods\"", "\"method\"", "\"params\"",
            "\"policy\"", "\"prompts\"", "\"seeds\"", "\"sizes\"", "\"shapes\"", "\"grid\"", "\"heads\"", "\"head_dim\"",
            "\"steps\"", "\"repeats\"", "\"{spec}\"", "\"16x64x64\"", "2147483647", "1e309", "-1", "0"})
    void parse(byte[] input) {
        check(input);
    }

    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "SweepSpecFuzzTestInputs"), 5, 2000, SweepSpecFuzzTest::check);
    }

    @Test
    void aSmallFileCannotAskForMillionsOfCells() {
        String json = "{\"methods\":[{\"method\":\"gna\",\"params\":{\"a\":[1,2,3,4,5,6,7,8,9,10],\"b\":[1,2,3,4,5,6,7,8,9,10],"
                + "\"c\":[1,2,3,4,5,6,7,8,9,10],\"d\":[1,2,3,4,5,6,7,8,9,10],\"e\":[1,2,3,4,5,6,7,8,9,10],"
                + "\"f\":[1,2,3,4,5,6,7,8,9,10]}}],\"prompts\":[\"a red circle\"],\"seeds\":[1]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SweepSpecReader.parse(json, "big.json", Path.of(".")));
        assertTrue(e.getMessage().startsWith("big.json: the sweep has more than 100000 cells"), e.getMessage());
    }

    static void check(byte[] input) {
        String json = new String(input, StandardCharsets.UTF_8);
        ParserContract.holds(() -> {
            SweepSpec spec = SweepSpecReader.parse(json, "fuzz.json", Path.of("."));
            List<SweepCell> cells = SweepGrid.cells(spec, DEFAULTS);
            if (cells.size() > SweepGrid.MAX_CELLS) throw new AssertionError(cells.size() + " cells from an accepted spec");
        }, List.of(IllegalArgumentException.class));
    }
}
