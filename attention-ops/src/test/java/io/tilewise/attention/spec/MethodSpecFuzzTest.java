package io.tilewise.attention.spec;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.testkit.KernelSmoke;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes method specs end to end: {@link MethodSpec#parse}, every registered provider's {@link SpecReader} use, and
 * a forward of the kernel on tiny shapes ({@link KernelSmoke}). Any text gives a working kernel or one
 * {@link SpecException}; a spec's canonical text parses to the same spec. Corpus: {@code MethodSpecFuzzTestInputs}.
 */
class MethodSpecFuzzTest {

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"dense", "blocksparse", "radial", "pisa", "gna", ":", ",", "=", "x", "keep=", "seed=", "tile=",
            "decay=", "block=", "sink=", "density=", "first_order=", "bias=", "keep_or_drop=", "window=", "stride=",
            "dilation=", "causal=", "1e-3", "2147483647", "-1", "NaN", "Infinity"})
    void parse(byte[] input) {
        check(input);
    }

    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "MethodSpecFuzzTestInputs"), 6, 3000, MethodSpecFuzzTest::check);
    }

    static void check(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        // Specs name files to read by design (paro:plan=FILE); reading is not a traversal finding.
        try (SilentCloseable ignored = BugDetectors.setFilePathTraversalTarget(() -> null)) {
            ParserContract.holds(() -> {
                MethodSpec spec = MethodSpec.parse(text);
                MethodSpec again = MethodSpec.parse(spec.toString());
                if (!again.equals(spec)) throw new AssertionError("'" + spec + "' parses to '" + again + "'");
                AttentionKernel kernel = AttentionMethods.create(spec);
                AttentionKernel canonical = AttentionMethods.create(kernel.spec());
                if (!canonical.spec().equals(kernel.spec())) {
                    throw new AssertionError("canonical spec '" + kernel.spec() + "' rebuilds as '" + canonical.spec() + "'");
                }
                KernelSmoke.run(kernel);
            }, List.of(SpecException.class));
        }
    }
}
