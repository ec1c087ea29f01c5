package io.tilewise.attention.spec;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, validated access to a spec's parameters. Every error names the method, the parameter, the value given
 * and what is allowed. Call {@link #done()} after reading to reject keys the method does not know.
 */
public final class SpecReader {

    private final MethodSpec spec;
    private final Set<String> known;

    public SpecReader(MethodSpec spec, String... knownKeys) {
        this.spec = spec;
        this.known = new LinkedHashSet<>(List.of(knownKeys));
    }

    public String method() {
        return spec.name();
    }

    public boolean has(String key) {
        return spec.params().containsKey(key);
    }

    public int intValue(String key, int defaultValue, int min, int max) {
        String raw = spec.params().get(key);
        if (raw == null) return defaultValue;
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw fail(key, raw, "an integer in " + min + ".." + max);
        }
        if (value < min || value > max) throw fail(key, raw, "an integer in " + min + ".." + max);
        return value;
    }

    public long longValue(String key, long defaultValue) {
        String raw = spec.params().get(key);
        if (raw == null) return defaultValue;
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw fail(key, raw, "an integer");
        }
    }

    /** A double in {@code [min, max]}; {@code minExclusive} makes the lower bound open. */
    public double doubleValue(String key, double defaultValue, double min, boolean minExclusive, double max) {
        String raw = spec.params().get(key);
        if (raw == null) return defaultValue;
        String allowed = "a number in " + (minExclusive ? "(" : "[") + min + ", " + max + "]";
        double value;
        try {
            value = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw fail(key, raw, allowed);
        }
        if (Double.isNaN(value) || value > max || value < min || (minExclusive && value == min)) throw fail(key, raw, allowed);
        return value;
    }

    /** 0/1 or false/true. */
    public boolean flag(String key, boolean defaultValue) {
        String raw = spec.params().get(key);
        if (raw == null) return defaultValue;
        return switch (raw.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw fail(key, raw, "0 or 1");
        };
    }

    /**
     * Per-axis integers {@code AxBxC} (or a single value for every axis), each in {@code [min, max]}.
     */
    public int[] axes(String key, int[] defaultValue, int count, int min, int max) {
        String raw = spec.params().get(key);
        if (raw == null) return defaultValue == null ? null : defaultValue.clone();
        String[] parts = raw.split("x", -1);
        if (parts.length != 1 && parts.length != count) {
            throw fail(key, raw, count + " sizes joined by 'x' (e.g. " + String.join("x", java.util.Collections.nCopies(count, "4")) + ")");
        }
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            String p = parts[parts.length == 1 ? 0 : i];
            try {
                values[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw fail(key, raw, "integers joined by 'x'");
            }
            if (values[i] < min || values[i] > max) throw fail(key, raw, "sizes in " + min + ".." + max);
        }
        return values;
    }

    public String string(String key, String defaultValue) {
        return spec.params().getOrDefault(key, defaultValue);
    }

    /** Rejects parameters this method does not know. */
    public void done() {
        for (String key : spec.params().keySet()) {
            if (!known.contains(key)) {
                throw new SpecException(spec.name() + ": unknown parameter '" + key + "'; known: "
                        + (known.isEmpty() ? "(none)" : String.join(", ", known)));
            }
        }
    }

    public SpecException fail(String key, String value, String allowed) {
        return new SpecException(spec.name() + ": " + key + "=" + value + " is not allowed; expected " + allowed);
    }

    @Override
    public String toString() {
        return spec + " (known keys " + Arrays.toString(known.toArray()) + ")";
    }
}
