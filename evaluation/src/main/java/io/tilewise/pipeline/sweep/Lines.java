package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.quality.ClipReading;

/** Helpers for result lines: non-finite numbers become null (JSON has no NaN). */
final class Lines {

    private Lines() {
    }

    static void num(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) node.put(key, value);
        else node.putNull(key);
    }

    static ObjectNode reading(ClipReading r) {
        ObjectNode n = SweepLog.MAPPER.createObjectNode();
        n.put("background", r.background());
        n.put("color", r.color());
        n.put("shape", r.shape());
        n.put("direction", r.direction());
        return n;
    }

    /**
     * What the step cache did: steps computed and skipped per CFG branch ({@code steps_computed}, e.g.
     * {@code "cond 18/30, uncond 18/30 computed"}), the cache's own work and the time of fully skipped steps.
     */
    static void stepCache(ObjectNode line, io.tilewise.pipeline.run.GenerationResult result) {
        io.tilewise.pipeline.stepcache.StepCacheStats s = result.stepCache();
        line.put("steps_computed", s.summary());
        com.fasterxml.jackson.databind.node.ArrayNode computed = line.putArray("computed_per_branch");
        for (int c : s.computed()) computed.add(c);
        com.fasterxml.jackson.databind.node.ArrayNode skipped = line.putArray("skipped_per_branch");
        for (int c : s.skipped()) skipped.add(c);
        line.put("cfg_reused", s.cfgReused());
        line.put("step_cache_seconds", s.cacheNanos() / 1e9);
        line.put("skipped_step_seconds", s.skippedStepNanos() / 1e9);
    }

    /** A number of a line, NaN when absent or null. */
    static double number(ObjectNode line, String key) {
        return line.path(key).isNumber() ? line.path(key).asDouble() : Double.NaN;
    }
}
