package io.tilewise.attention.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed method spec: {@code name[:key=value[,key=value…]]}, e.g. {@code blocksparse:keep=0.25,seed=1} or
 * {@code gna:window=8x16x16,stride=4x8x8}. One grammar for every method; each method reads its keys through a
 * {@link SpecReader}, which rejects unknown keys.
 *
 * <p>Wrapper methods (a cache around another method) take the form {@code name(key=value,…):inner-spec}, e.g.
 * {@code cache(tau=3):radial:decay=0.2}: the parenthesised keys are the wrapper's, and everything after the first
 * {@code ):} is the inner spec, stored unparsed under the key {@value #INNER}.
 */
public record MethodSpec(String name, Map<String, String> params) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern WRAPPER = Pattern.compile("([^():,=]+)\\(([^()]*)\\)\\s*:(.*)", Pattern.DOTALL);

    /** Key under which a wrapper spec keeps its inner spec text. */
    public static final String INNER = "inner";

    public MethodSpec {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static MethodSpec parse(String text) {
        if (text == null || text.isBlank()) throw new SpecException("method spec is empty; expected e.g. dense or blocksparse:keep=0.25");
        String trimmed = text.trim();
        java.util.regex.Matcher wrapper = WRAPPER.matcher(trimmed);
        if (wrapper.matches()) return parseWrapper(text, wrapper.group(1), wrapper.group(2), wrapper.group(3));
        int colon = trimmed.indexOf(':');
        String name = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim().toLowerCase(java.util.Locale.ROOT);
        if (!NAME.matcher(name).matches()) {
            throw new SpecException("method name '" + name + "' in spec '" + text + "' must be lower-case letters, digits, '-' or '_'");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = trimmed.substring(colon + 1);
            if (rest.isBlank()) throw new SpecException("spec '" + text + "' has ':' but no parameters");
            for (String part : rest.split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq < 0) throw new SpecException("parameter '" + part.trim() + "' in spec '" + text + "' must be key=value");
                String key = part.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
                String value = part.substring(eq + 1).trim();
                if (!KEY.matcher(key).matches()) throw new SpecException("parameter name '" + key + "' in spec '" + text + "' is not valid");
                if (value.isEmpty()) throw new SpecException(name + ": parameter " + key + " has no value");
                if (params.put(key, value) != null) throw new SpecException(name + ": parameter " + key + " is given twice");
            }
        }
        return new MethodSpec(name, params);
    }

    private static MethodSpec parseWrapper(String text, String rawName, String rawParams, String inner) {
        if (inner.isBlank()) throw new SpecException("spec '" + text + "' has no inner method after '):'");
        String flat = rawName.trim() + (rawParams.isBlank() ? "" : ":" + rawParams);
        MethodSpec outer = parse(flat);
        if (outer.params().containsKey(INNER)) {
            throw new SpecException(outer.name() + ": parameter " + INNER + " is given twice (in the parentheses and after them)");
        }
        Map<String, String> params = new LinkedHashMap<>(outer.params());
        params.put(INNER, inner.trim());
        return new MethodSpec(outer.name(), params);
    }

    /** The inner spec of a wrapper, parsed; null when this spec has none. */
    public MethodSpec inner() {
        String inner = params.get(INNER);
        return inner == null ? null : parse(inner);
    }

    /**
     * {@code name:key=value,…} in the given order; a spec with an inner spec prints as
     * {@code name(key=value,…):inner}, which parses back to an equal spec.
     */
    @Override
    public String toString() {
        if (params.containsKey(INNER)) {
            StringBuilder sb = new StringBuilder(name).append('(');
            params.forEach((k, v) -> {
                if (!k.equals(INNER)) sb.append(k).append('=').append(v).append(',');
            });
            if (sb.charAt(sb.length() - 1) == ',') sb.setLength(sb.length() - 1);
            return sb.append("):").append(params.get(INNER)).toString();
        }
        if (params.isEmpty()) return name;
        StringBuilder sb = new StringBuilder(name).append(':');
        params.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
