package io.tilewise.pipeline.report;

import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecList;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --attention} list of compare (and a sweep's policies): attention policies split by {@link SpecList} —
 * {@code dense,radial:decay=0.2,block=64,cache(tau=3,reuse=lse):pisa:density=0.15}.
 */
public final class PolicyList {

    private PolicyList() {
    }

    public static List<String> split(String text) {
        try {
            return SpecList.split(text, "attention list");
        } catch (SpecException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
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
