package io.tilewise.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a comma-separated list of method specs whose own parameters are comma-separated too:
 * {@code dense,blocksparse:keep=0.25,seed=1,ort-mha} is {@code dense}, {@code blocksparse:keep=0.25,seed=1},
 * {@code ort-mha}. A part with '=' but no ':' continues the spec before it (method names never contain '=').
 */
public final class MethodList {

    private MethodList() {
    }

    public static List<String> parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("--methods is empty; expected e.g. dense,ort-mha");
        List<String> specs = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String part = raw.trim();
            if (part.isEmpty()) throw new IllegalArgumentException("--methods '" + text + "' has an empty entry");
            boolean continuation = part.contains("=") && !part.contains(":");
            if (continuation) {
                if (specs.isEmpty()) {
                    throw new IllegalArgumentException("--methods '" + text + "' starts with parameter '" + part
                            + "' instead of a method name");
                }
                specs.set(specs.size() - 1, specs.getLast() + "," + part);
            } else {
                specs.add(part);
            }
        }
        return List.copyOf(specs);
    }
}
