package io.tilewise.pipeline.stepcache;

import io.tilewise.attention.spec.SpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepCachePolicyTest {

    @Test
    void readsEveryKnob() {
        StepCachePolicy p = StepCachePolicy.parse("fbcache:threshold=0.12,warmup=3,final=2,max_skip=4,first=2,cfg=3");
        assertEquals(StepCachePolicy.Kind.FBCACHE, p.kind());
        assertEquals(0.12, p.threshold());
        assertEquals(3, p.warmup());
        assertEquals(2, p.finalSteps());
        assertEquals(4, p.maxSkip());
        assertEquals(2, p.first());
        assertEquals(3, p.cfg());
        StepCachePolicy t = StepCachePolicy.parse("taylor:order=2");
        assertEquals(2, t.order());
        assertEquals(1, t.first());
        StepCachePolicy m = StepCachePolicy.parse("magcache:plan=/tmp/x.magcache,threshold=0.1");
        assertEquals(Path.of("/tmp/x.magcache"), m.plan());
        assertEquals(0, m.first(), "magcache decides before any block");
    }

    @Test
    void noneAndBlankComputeEveryStep() {
        assertTrue(StepCachePolicy.parse(null).isNone());
        assertTrue(StepCachePolicy.parse(" ").isNone());
        assertTrue(StepCachePolicy.parse("none").isNone());
        assertFalse(StepCachePolicy.parse("fbcache").isNone());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "fbcache:threshold=0.08,warmup=2,max_skip=3",
            "taylor:order=2,threshold=0.2,final=1,cfg=2",
            "magcache:plan=p.json,threshold=0.05,first=1",
            "taylor:order=1,interval=3,warmup=2,final=1,cfg=2",
            "fbcache:interval=2,first=1",
            "none"})
    void canonicalTextParsesBackToTheSamePolicy(String text) {
        StepCachePolicy p = StepCachePolicy.parse(text);
        assertEquals(p, StepCachePolicy.parse(p.toString()));
    }

    @Test
    void denseStepsAreTheWarmupAndFinalOnes() {
        StepCachePolicy p = StepCachePolicy.parse("fbcache:warmup=2,final=3");
        boolean[] dense = new boolean[10];
        for (int s = 0; s < 10; s++) dense[s] = p.dense(s, 10);
        assertEquals("[true, true, false, false, false, false, false, true, true, true]", java.util.Arrays.toString(dense));
    }

    /** A schedule: warm-up and final steps compute, then every N-th step counted from the end of warm-up. */
    @Test
    void intervalComputesEveryNthStepAfterWarmup() {
        StepCachePolicy p = StepCachePolicy.parse("taylor:interval=3,warmup=2,final=1");
        assertEquals(0, p.first(), "no block needs to run to decide");
        assertEquals(2, p.maxSkip());
        StringBuilder computes = new StringBuilder();
        for (int s = 0; s < 12; s++) computes.append(p.scheduled(s, 12) ? 'C' : '.');
        assertEquals("CCC..C..C..C", computes.toString());
        StepCachePolicy threshold = StepCachePolicy.parse("fbcache");
        for (int s = 0; s < 12; s++) assertTrue(threshold.scheduled(s, 12), "without interval every step may compute");
        BranchCache cache = new BranchCache(p, 12, null);
        StringBuilder decided = new StringBuilder();
        for (int s = 0; s < 12; s++) {
            boolean skip = cache.skip(s, null);
            decided.append(skip ? '.' : 'C');
            if (!skip) cache.computed(s, null, new float[] {s});
        }
        assertEquals(computes.toString(), decided.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "fbcache:threshold=-1|step cache fbcache: threshold=-1 is not allowed; expected a number in [0.0, 100.0]",
            "fbcache:max_skip=0|step cache fbcache: max_skip=0 is not allowed; expected an integer in 1..100000",
            "fbcache:first=0|step cache fbcache: first=0 is not allowed; expected an integer in 1..1000",
            "fbcache:cfg=1|step cache fbcache: cfg=1 is not allowed; expected 0 (off) or an interval >= 2 (the unconditional branch runs every N-th step)",
            "taylor:order=3|step cache taylor: order=3 is not allowed; expected an integer in 1..2",
            "fbcache:order=2|step cache fbcache: unknown parameter 'order'; known: threshold, warmup, final, max_skip, first, cfg, interval",
            "fbcache:interval=1|step cache fbcache: interval=1 is not allowed; expected 0 (off: the threshold decides) or >= 2 (every N-th step computes)",
            "taylor:interval=3,threshold=0.1|step cache taylor: interval=3 is a fixed schedule; leave out threshold (they belong to the threshold decision)",
            "fbcache:interval=2,max_skip=4|step cache fbcache: interval=2 is a fixed schedule; leave out max_skip (they belong to the threshold decision)",
            "magcache:plan=p.json,interval=2|step cache magcache: unknown parameter 'interval'; known: threshold, warmup, final, max_skip, first, cfg, plan",
            "magcache:threshold=0.1|step cache magcache: plan is missing; expected plan=FILE from tilewise calibrate magcache",
            "teacache|step cache '' is not a step cache; expected none, fbcache, taylor or magcache"})
    void errorsAreOneLineNamingKeyValueAndWhatIsAllowed(String text, String message) {
        SpecException e = assertThrows(SpecException.class, () -> StepCachePolicy.parse(text));
        assertEquals(message.replace("''", "'teacache'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
