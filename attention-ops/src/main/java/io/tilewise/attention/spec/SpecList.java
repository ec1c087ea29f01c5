package io.tilewise.attention.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a comma-separated list of method specs (or attention policies) whose own keys are comma-separated too:
 * {@code dense,blocksparse:keep=0.25,seed=1,cache(tau=3,drift=0.1):radial:decay=0.2} is {@code dense},
 * {@code blocksparse:keep=0.25,seed=1} and {@code cache(tau=3,drift=0.1):radial:decay=0.2}. Commas inside
 * parentheses never split; a top-level part starts a new entry only when it begins like a method — a name followed
 * by {@code :}, {@code @}, {@code ;}, {@code (} or nothing — so {@code seed=1} or {@code layers=0} continue the
 * entry before them.
 */
public final class SpecList {

    private static final Pattern STARTS_ENTRY = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*([:@;(].*)?", Pattern.DOTALL);

    private SpecList() {
    }

    /**
     * @param what names the list in messages, e.g. {@code --methods}
     * @throws SpecException on an empty list, an empty entry, unbalanced parentheses, or a list that starts with a key
     */
    public static List<String> split(String text, String what) {
        if (text == null || text.isBlank()) throw new SpecException(what + " is empty; expected e.g. dense,radial:decay=0.2");
        List<String> entries = new ArrayList<>();
        for (String part : topLevelParts(text, what)) {
            String t = part.strip();
            if (t.isEmpty()) throw new SpecException(what + " '" + text + "' has an empty entry");
            if (STARTS_ENTRY.matcher(t).matches()) {
                entries.add(t);
            } else if (entries.isEmpty()) {
                throw new SpecException(what + " '" + text + "' starts with '" + t + "' instead of a method name");
            } else {
                entries.set(entries.size() - 1, entries.getLast() + "," + t);
            }
        }
        return List.copyOf(entries);
    }

    private static List<String> topLevelParts(String text, String what) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') depth++;
            else if (c == ')' && --depth < 0) break;
            else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) throw new SpecException(what + " '" + text + "' has unbalanced parentheses");
        parts.add(text.substring(start));
        return parts;
    }
}
