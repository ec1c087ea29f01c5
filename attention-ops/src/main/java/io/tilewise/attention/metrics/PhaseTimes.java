package io.tilewise.attention.metrics;

import java.util.Map;

/**
 * A session that can say where the wall time of its last forward went, phase by phase (the benchmark reports PISA's
 * time outside its exact tiles this way). Phases are named by the session; their sum is close to the whole call.
 */
public interface PhaseTimes {

    /** Phase → nanoseconds of the last forward, in the order the phases ran; empty before the first forward. */
    Map<String, Long> lastPhaseNanos();
}
