package io.tilewise.attention.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where a run asks attention to execute: {@code cpu} (always there), {@code tornado} (the TornadoVM backend; an
 * error when it is not installed or finds no device), or {@code auto} (TornadoVM when installed with a device, else
 * the CPU, saying why).
 */
public enum Backend {
    AUTO, CPU, TORNADO;

    /** Lower-case id as the CLI spells it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code auto|cpu|tornado} (any case).
     *
     * @throws IllegalArgumentException one line naming the value and the allowed ones
     */
    public static Backend parse(String text) {
        if (text != null) {
            for (Backend b : values()) {
                if (b.id().equalsIgnoreCase(text.strip())) return b;
            }
        }
        throw new IllegalArgumentException("backend '" + text + "' is not one of "
                + Arrays.stream(values()).map(Backend::id).collect(Collectors.joining(", ")));
    }
}
