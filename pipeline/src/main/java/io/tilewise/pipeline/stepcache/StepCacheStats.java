package io.tilewise.pipeline.stepcache;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a generation's step cache did: per CFG branch (conditional first) the steps that ran the remaining blocks
 * and the steps that reused or forecast their residual, the unconditional steps replaced by CFG caching, the
 * nanoseconds of the cache's own work (reading, comparing and writing hidden states), the wall time of the steps on
 * which no branch ran the remaining blocks, and per branch and step the mean absolute residual of the whole block
 * stack on computed steps (NaN elsewhere; what {@code tilewise calibrate magcache} stores).
 */
public record StepCacheStats(String spec, int[] computed, int[] skipped, int cfgReused, long cacheNanos, long skippedStepNanos,
                             double[][] magnitudes) {

    /** The stats of a run without a step cache. */
    public static StepCacheStats none(int branches, int steps) {
        int[] all = new int[branches];
        Arrays.fill(all, steps);
        return new StepCacheStats("none", all, new int[branches], 0, 0, 0, new double[0][]);
    }

    public int skippedTotal() {
        return Arrays.stream(skipped).sum();
    }

    /** E.g. {@code cond 18/30, uncond 12/30 computed; 6 uncond by CFG cache}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        String[] names = {"cond", "uncond"};
        for (int b = 0; b < computed.length; b++) {
            if (b > 0) sb.append(", ");
            sb.append(names[b]).append(' ').append(computed[b]).append('/').append(computed[b] + skipped[b] + (b == 1 ? cfgReused : 0));
        }
        sb.append(" computed");
        if (cfgReused > 0) sb.append("; ").append(cfgReused).append(" uncond by CFG cache");
        return sb.toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "step cache %s: %s; cache work %.1f ms, skipped steps %.1f ms", spec, summary(),
                cacheNanos / 1e6, skippedStepNanos / 1e6);
    }
}
