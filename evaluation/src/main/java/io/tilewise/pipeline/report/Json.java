package io.tilewise.pipeline.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.quality.ClipReading;

/** JSON helpers of the reports: non-finite numbers become null (JSON has no NaN or infinity). */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static void num(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) node.put(key, value);
        else node.putNull(key);
    }

    static ArrayNode array(double[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (double v : values) {
            if (Double.isFinite(v)) a.add(v);
            else a.addNull();
        }
        return a;
    }

    static ObjectNode reading(ClipReading r) {
        ObjectNode n = object();
        if (r == null) return n;   // a model without a prompt analyzer: nothing read
        n.put("background", r.background());
        n.put("color", r.color());
        n.put("shape", r.shape());
        n.put("direction", r.direction());
        num(n, "object_fraction", r.objectFraction());
        return n;
    }

    static void bool(ObjectNode node, String key, Boolean value) {
        if (value == null) node.putNull(key);
        else node.put(key, value);
    }
}
