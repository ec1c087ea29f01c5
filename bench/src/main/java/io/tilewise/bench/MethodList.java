package io.tilewise.bench;

import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecList;

import java.util.List;

/** The {@code --methods} list of the benchmark: method specs split by {@link SpecList}. */
public final class MethodList {

    private MethodList() {
    }

    public static List<String> parse(String text) {
        try {
            return SpecList.split(text, "--methods");
        } catch (SpecException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
