package io.tilewise.pipeline.run;

import io.tilewise.attention.api.Branch;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.attention.testkit.PoisonKernels;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NaN and infinity in attention (issue 9): a method's bad output is reported with layer, step, branch and position,
 * or, under {@code nonfinite=dense}, replaced by dense attention for that call; bad inputs always stop the run.
 */
class NonFiniteAttentionTest {

    private static final GenerationRequest REQUEST = GenerationRequest.defaults(TinyModels.small(2), "a red circle moving left").withSize(2, 16, 16)
            .withSteps(3).withGuidance(4.0).withShift(3.0).withSeed(5);
    private static final ModelConfig CONFIG = TinyModels.small(2);

    private static Pipeline pipeline(ModelWeights weights, float poison) {
        return Pipeline.of(weights, new Pipeline.Options(1, new PoisonKernels(1, 1, Branch.UNCOND, 1, 5, 2, poison)));
    }

    @Test
    void aMethodsNaNOutputIsReportedWithLayerStepBranchAndPosition() {
        try (Pipeline p = pipeline(TinyModels.randomWeights(CONFIG, 11), Float.NaN)) {
            NonFiniteAttentionException e = assertThrows(NonFiniteAttentionException.class,
                    () -> p.generate(REQUEST.withPolicy("poison")));
            assertEquals("NaN in output of poison at layer 1, step 1, branch uncond [head 1, token 5, dim 2] (its inputs "
                    + "were finite); the policy option nonfinite=dense runs dense attention for such calls", e.getMessage());
            assertEquals(1, e.layer());
            assertEquals(1, e.step());
            assertEquals(Branch.UNCOND, e.branch());
            assertEquals("output", e.tensor());
            // the pipeline stays usable
            assertEquals(2 * 16 * 16 * 3, p.generate(REQUEST).video().rgb().length);
        }
    }

    @Test
    void infinityIsCaughtToo() {
        try (Pipeline p = pipeline(TinyModels.randomWeights(CONFIG, 11), Float.NEGATIVE_INFINITY)) {
            var e = assertThrows(NonFiniteAttentionException.class, () -> p.generate(REQUEST.withPolicy("dense@steps<1;poison")));
            assertTrue(e.getMessage().startsWith("-Inf in output of poison at layer 1, step 1, branch uncond"), e.getMessage());
        }
    }

    /** Dense fallback for the one bad call: the video is bit for bit the dense one, and a warning says where. */
    @Test
    void nonfiniteDenseRunsDenseForThatCallOnly() {
        try (Pipeline p = pipeline(TinyModels.randomWeights(CONFIG, 11), Float.NaN)) {
            GenerationResult dense = p.generate(REQUEST);
            GenerationResult guarded = p.generate(REQUEST.withPolicy("nonfinite=dense;poison"));
            assertArrayEquals(dense.video().rgb(), guarded.video().rgb());
            assertEquals(1, guarded.warnings().size(), guarded.warnings().toString());
            assertTrue(guarded.warnings().getFirst().startsWith(
                    "NaN in output of poison at layer 1, step 1, branch uncond [head 1, token 5, dim 2]; ran dense"), guarded.warnings().getFirst());
            assertEquals("nonfinite=dense;poison", guarded.policy());
            for (AttentionCall c : guarded.attentionCalls()) {
                boolean poisoned = c.layer() == 1 && c.step() == 1 && c.branch() == Branch.UNCOND;
                assertEquals(poisoned ? "dense" : "poison", c.spec(), c.toString());
            }
        }
    }

    /** A NaN weight makes q NaN from the pre stage on: stopped before attention, fallback or not. */
    @Test
    void nanInputsStopTheRunWhateverThePolicy() {
        Map<String, float[]> arrays = TinyModels.randomArrays(CONFIG, 11);
        arrays.get("blocks.1.attn.qkv.weight")[0] = Float.NaN;
        try (Pipeline p = pipeline(ModelWeights.of(CONFIG, arrays), 0f)) {
            for (String policy : new String[] {"dense", "nonfinite=dense;poison"}) {
                var e = assertThrows(NonFiniteAttentionException.class, () -> p.generate(REQUEST.withPolicy(policy)));
                assertTrue(e.getMessage().startsWith("NaN in input q of ") && e.getMessage().contains(" at layer 1, step 0, branch cond [head 0, token 0, dim "),
                        e.getMessage());
                assertTrue(e.getMessage().endsWith("(the model's pre stage gave it; attention cannot repair its inputs)"), e.getMessage());
                assertEquals("q", e.tensor());
            }
        }
    }

    @Test
    void policyOptionGrammar() {
        assertEquals(AttentionPolicy.NonFinite.FAIL, AttentionPolicy.parse("dense").nonFinite());
        assertEquals(AttentionPolicy.NonFinite.DENSE, AttentionPolicy.parse("dense@steps<2;radial;nonfinite=dense").nonFinite());
        assertEquals("nonfinite=dense;dense@step<2;radial", AttentionPolicy.parse("dense@steps<2;radial;NONFINITE = dense").toString());
        assertEquals("dense", AttentionPolicy.parse("nonfinite=fail;dense").toString());
        assertTrue(assertThrows(SpecException.class, () -> AttentionPolicy.parse("nonfinite=skip;dense")).getMessage()
                .contains("nonfinite=skip is not allowed; expected fail or dense"));
        assertTrue(assertThrows(SpecException.class, () -> AttentionPolicy.parse("nonfinite=dense;dense;nonfinite=fail")).getMessage()
                .contains("given twice"));
        assertTrue(assertThrows(SpecException.class, () -> AttentionPolicy.parse("nonfinite=dense")).getMessage().contains("has no rule"));
    }
}
