package io.tilewise.pipeline.run;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.testkit.KernelSmoke;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes attention policies ({@link AttentionPolicy#parse} with every registered method, PARO included): any text
 * gives a policy or one {@link SpecException}; a policy's canonical text parses to the same policy, every (layer,
 * step, branch) has a rule, and its kernels run on tiny shapes. Corpus: {@code AttentionPolicyFuzzTestInputs}.
 */
class AttentionPolicyFuzzTest {

    @FuzzTest(maxDuration = "5m")
    @DictionaryEntries({"dense", "radial", "pisa", "gna", "paro", "blocksparse", "@", ";", ",", "steps", "step", "layers",
            "layer", "branch", "cond", "uncond", "<", "<=", ">", ">=", "=", "..", "window=", "decay=", "density=",
            "keep=", "plan=", "nonfinite=", "2147483647", "2147483648"})
    void parse(byte[] input) {
        check(input);
    }

    @Test
    void mutatedCorpus() {
        Mutations.run(Mutations.resources(getClass(), "AttentionPolicyFuzzTestInputs"), 4, 3000, AttentionPolicyFuzzTest::check);
    }

    static void check(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        // paro:plan=FILE names a file to read by design; reading it is not a traversal finding.
        try (SilentCloseable ignored = BugDetectors.setFilePathTraversalTarget(() -> null)) {
            ParserContract.holds(() -> {
                AttentionPolicy policy = AttentionPolicy.parse(text);
                String canonical = policy.toString();
                String again = AttentionPolicy.parse(canonical).toString();
                if (!again.equals(canonical)) throw new AssertionError("'" + canonical + "' parses to '" + again + "'");
                for (int layer : new int[] {0, 1, 7, Integer.MAX_VALUE}) {
                    for (int step : new int[] {0, 3, 1000}) {
                        for (Branch b : Branch.values()) policy.kernelFor(layer, step, b);
                    }
                }
                Set<String> seen = new LinkedHashSet<>();
                for (AttentionPolicy.Rule rule : policy.rules()) {
                    AttentionKernel kernel = rule.kernel();
                    if (seen.add(kernel.spec()) && seen.size() <= 3) KernelSmoke.run(kernel);
                }
            }, List.of(SpecException.class));
        }
    }
}
