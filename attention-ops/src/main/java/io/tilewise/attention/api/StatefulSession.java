package io.tilewise.attention.api;

/**
 * A session that keeps state across forward calls of one generation (caches of partial attentions, per-layer
 * calibrations), keyed by the call's {@link AttentionContext} (layer, CFG branch, step). Callers that reuse a
 * session for several generations reset it before each one, so no generation sees another's state.
 */
public interface StatefulSession {

    /** Drops every cached entry; the next forward of each (layer, branch) starts fresh. */
    void resetState();

    /** Bytes of tensors the state holds now (0 after a reset). */
    long stateBytes();
}
