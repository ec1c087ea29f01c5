package io.tilewise.pipeline.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a comma-separated list of attention policies — {@code dense,radial:decay=0.2,block=64,pisa:density=0.15} —
 * where the commas also separate a spec's keys and a rule's conditions. A comma starts a new policy only when what
 * follows begins like a method: a name followed by {@code :}, {@code @}, {@code ;} or the end
 * ({@code block=64} and {@code layers=0} continue the previous policy).
 */
public final class PolicyList {

    private static final Pattern STARTS_POLICY = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*([:@;].*)?", Pattern.DOTALL);

    private PolicyList() {
    }

    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (String token : text.split(",", -1)) {
            String t = token.strip();
            if (t.isEmpty()) throw new IllegalArgumentException("attention list '" + text + "' has an empty entry");
            if (out.isEmpty() || STARTS_POLICY.matcher(t).matches()) out.add(t);
            else out.set(out.size() - 1, out.getLast() + "," + t);
        }
        return out;
    }

    /** Every entry of every text, split; duplicates are refused (their reports would collide). */
    public static List<String> splitAll(List<String> texts) {
        List<String> out = new ArrayList<>();
        for (String text : texts) {
            for (String policy : split(text)) {
                if (out.contains(policy)) throw new IllegalArgumentException("attention policy " + policy + " is listed twice");
                out.add(policy);
            }
        }
        return out;
    }
}
