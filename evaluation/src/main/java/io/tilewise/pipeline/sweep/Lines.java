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

    /** A number of a line, NaN when absent or null. */
    static double number(ObjectNode line, String key) {
        return line.path(key).isNumber() ? line.path(key).asDouble() : Double.NaN;
    }
}
