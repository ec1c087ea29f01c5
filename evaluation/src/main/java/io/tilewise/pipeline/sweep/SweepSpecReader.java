package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.io.UserFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a sweep file. Errors are one line naming the file, the key and what is allowed, e.g.
 * {@code sweep.json: methods[1].params.decay: expected a list of values}. Unknown keys are refused (a typo would
 * otherwise silently change the sweep). Relative {@code .npy} paths are resolved against the file's folder.
 */
public final class SweepSpecReader {

    private static final Set<String> TOP = Set.of("level", "model", "methods", "prompts", "seeds", "sizes", "steps", "guidance",
            "probe_every", "shapes", "repeats", "targets");
    private static final Set<String> METHOD = Set.of("method", "params", "policy", "step_cache");
    private static final Set<String> SHAPE = Set.of("grid", "heads", "head_dim", "text_tokens", "text_placement", "std", "q", "k", "v");

    /** A sweep file is a few kilobytes; the bound keeps a hostile one (or a device) from exhausting memory. */
    public static final long MAX_FILE_BYTES = 16L << 20;

    private final String source;
    private final Path base;

    private SweepSpecReader(String source, Path base) {
        this.source = source;
        this.base = base;
    }

    public static SweepSpec read(Path file) {
        if (Files.notExists(file)) throw new IllegalArgumentException("--spec " + file + ": no such file");
        String text;
        try {
            text = UserFiles.readUtf8(file, "--spec", MAX_FILE_BYTES);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.getFileName().toString(), dir);
    }

    /** @param base folder against which relative input paths resolve */
    public static SweepSpec parse(String json, String source, Path base) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            // Jackson's own limits (nesting deeper than 1,000, numbers too long) come without a location.
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        SweepSpec spec = new SweepSpecReader(source, base).spec(root);
        SweepGrid.checkSize(spec, source);
        return spec;
    }

    private SweepSpec spec(JsonNode root) {
        if (root == null || !root.isObject()) throw error("", "expected a JSON object");
        keys(root, "", TOP);
        String levelText = text(root, "level", "generation");
        SweepSpec.Level level = switch (levelText) {
            case "generation" -> SweepSpec.Level.GENERATION;
            case "attention" -> SweepSpec.Level.ATTENTION;
            default -> throw error("level", "'" + levelText + "' is not a level; expected generation or attention");
        };
        List<MethodAxis> methods = new ArrayList<>();
        JsonNode m = list(root, "methods", true);
        for (int i = 0; i < m.size(); i++) methods.add(method(m.get(i), "methods[" + i + "]"));
        List<Long> seeds = new ArrayList<>();
        JsonNode s = list(root, "seeds", false);
        if (s == null) seeds.add(0L);
        else for (int i = 0; i < s.size(); i++) {
            if (!s.get(i).canConvertToLong() || !s.get(i).isIntegralNumber()) throw error("seeds[" + i + "]", "expected an integer");
            seeds.add(s.get(i).asLong());
        }
        JsonNode targets = root.get("targets");
        double targetSpeedup = 1.8, targetPsnr = 28;
        if (targets != null) {
            keys(targets, "targets", Set.of("speedup", "psnr"));
            targetSpeedup = number(targets, "speedup", "targets.speedup", 1.8, 0, 1e6);
            targetPsnr = number(targets, "psnr", "targets.psnr", 28, -1e6, 1e6);
        }
        if (level == SweepSpec.Level.GENERATION) {
            reject(root, "shapes", "only for level attention");
            reject(root, "repeats", "only for level attention");
            List<String> prompts = strings(root, "prompts");
            if (prompts.isEmpty()) throw error("prompts", "missing; expected a non-empty list of prompts");
            List<VideoSize> sizes = new ArrayList<>();
            JsonNode z = list(root, "sizes", false);
            if (z != null) for (int i = 0; i < z.size(); i++) {
                try {
                    sizes.add(VideoSize.parse(z.get(i).asText()));
                } catch (IllegalArgumentException e) {
                    throw error("sizes[" + i + "]", e.getMessage());
                }
            }
            Integer steps = root.has("steps") ? (int) number(root, "steps", "steps", 0, 1, 10000) : null;
            Double guidance = root.has("guidance") ? number(root, "guidance", "guidance", 0, 0, 1e6) : null;
            int probe = (int) number(root, "probe_every", "probe_every", 0, 0, 10000);
            return new SweepSpec(level, root.has("model") ? text(root, "model", null) : null, methods, prompts, seeds, sizes,
                    steps, guidance, probe, List.of(), 1, targetSpeedup, targetPsnr);
        }
        for (String key : List.of("model", "prompts", "sizes", "steps", "guidance", "probe_every")) reject(root, key, "only for level generation");
        List<OperatorShape> shapes = new ArrayList<>();
        JsonNode sh = list(root, "shapes", true);
        for (int i = 0; i < sh.size(); i++) shapes.add(shape(sh.get(i), "shapes[" + i + "]"));
        int repeats = (int) number(root, "repeats", "repeats", 3, 1, 1000);
        return new SweepSpec(level, null, methods, List.of(), seeds, List.of(), null, null, 0, shapes, repeats, targetSpeedup, targetPsnr);
    }

    private MethodAxis method(JsonNode node, String where) {
        if (!node.isObject()) throw error(where, "expected an object such as {\"method\": \"radial\", \"params\": {\"decay\": [0.2]}}");
        keys(node, where, METHOD);
        if (!node.has("method")) throw error(where + ".method", "missing");
        Map<String, List<String>> params = new LinkedHashMap<>();
        JsonNode p = node.get("params");
        if (p != null) {
            if (!p.isObject()) throw error(where + ".params", "expected an object of parameter -> list of values");
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode values = e.getValue();
                if (!values.isArray()) values = new ObjectMapper().createArrayNode().add(values);
                if (values.isEmpty()) throw error(where + ".params." + e.getKey(), "expected at least one value");
                List<String> list = new ArrayList<>();
                for (JsonNode v : values) {
                    if (!v.isValueNode() || v.isNull()) throw error(where + ".params." + e.getKey(), "values must be numbers or strings");
                    list.add(v.asText());
                }
                params.put(e.getKey(), list);
            }
        }
        List<String> stepCaches = new ArrayList<>();
        JsonNode sc = node.get("step_cache");
        if (sc != null) {
            if (sc.isTextual()) sc = new ObjectMapper().createArrayNode().add(sc);
            if (!sc.isArray() || sc.isEmpty()) throw error(where + ".step_cache", "expected a step-cache spec or a non-empty list of them");
            for (int i = 0; i < sc.size(); i++) {
                if (!sc.get(i).isTextual()) throw error(where + ".step_cache[" + i + "]", "expected a string such as \"fbcache:threshold=0.08\"");
                try {
                    io.tilewise.pipeline.stepcache.StepCachePolicy.parse(sc.get(i).asText());
                } catch (IllegalArgumentException e) {
                    throw error(where + ".step_cache[" + i + "]", e.getMessage());
                }
                stepCaches.add(sc.get(i).asText());
            }
        }
        try {
            return new MethodAxis(node.get("method").asText(), params, node.has("policy") ? node.get("policy").asText() : null, stepCaches);
        } catch (IllegalArgumentException e) {
            throw error(where, e.getMessage());
        }
    }

    private OperatorShape shape(JsonNode node, String where) {
        if (!node.isObject()) throw error(where, "expected an object such as {\"grid\": \"16x16x16\", \"heads\": 4, \"head_dim\": 32}");
        keys(node, where, SHAPE);
        if (!node.has("grid")) throw error(where + ".grid", "missing (e.g. \"16x16x16\")");
        try {
            TokenGrid grid = TokenGrid.parse(node.get("grid").asText());
            int heads = (int) number(node, "heads", where + ".heads", 4, 1, 4096);
            int headDim = (int) number(node, "head_dim", where + ".head_dim", 64, 1, 4096);
            int text = (int) number(node, "text_tokens", where + ".text_tokens", 0, 0, 1 << 20);
            TextPlacement placement = node.has("text_placement") ? TextPlacement.parse(node.get("text_placement").asText())
                    : text > 0 ? TextPlacement.PREFIX : TextPlacement.NONE;
            float std = (float) number(node, "std", where + ".std", 1, 1e-6, 1e6);
            return new OperatorShape(grid, heads, headDim, text, placement, std, path(node, "q"), path(node, "k"), path(node, "v"));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e : error(where, e.getMessage());
        }
    }

    private Path path(JsonNode node, String key) {
        if (!node.has(key)) return null;
        Path p = Path.of(node.get(key).asText());
        return p.isAbsolute() || base == null ? p : base.resolve(p);
    }

    private List<String> strings(JsonNode root, String key) {
        JsonNode a = list(root, key, false);
        List<String> out = new ArrayList<>();
        if (a == null) return out;
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) throw error(key + "[" + i + "]", "expected a string");
            out.add(a.get(i).asText());
        }
        return out;
    }

    private JsonNode list(JsonNode root, String key, boolean required) {
        JsonNode a = root.get(key);
        if (a == null) {
            if (required) throw error(key, "missing; expected a non-empty list");
            return null;
        }
        if (!a.isArray() || a.isEmpty()) throw error(key, "expected a non-empty list");
        return a;
    }

    private String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null) return fallback;
        if (!v.isTextual()) throw error(key, "expected a string");
        return v.asText();
    }

    private double number(JsonNode node, String key, String where, double fallback, double min, double max) {
        JsonNode v = node.get(key);
        if (v == null) return fallback;
        if (!v.isNumber()) throw error(where, v + " is not a number");
        double d = v.asDouble();
        if (!(d >= min && d <= max)) throw error(where, v + " is not in " + fmt(min) + ".." + fmt(max));
        return d;
    }

    private void keys(JsonNode node, String where, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw error(where.isEmpty() ? k : where + "." + k, "unknown key; allowed: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private void reject(JsonNode root, String key, String why) {
        if (root.has(key)) throw error(key, why);
    }

    private IllegalArgumentException error(String where, String message) {
        return new IllegalArgumentException(source + (where.isEmpty() ? "" : ": " + where) + ": " + message);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
