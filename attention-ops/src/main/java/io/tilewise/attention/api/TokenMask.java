package io.tilewise.attention.api;

/**
 * Token-level mask: may query row {@code query} attend key {@code key}? Positions are sequence positions in the
 * layout's order (text included). This is the ground truth every method's plan is checked against.
 */
@FunctionalInterface
public interface TokenMask {

    TokenMask ALL = (query, key) -> true;

    boolean allowed(int query, int key);

    /** A mask that may differ per head; most methods share one mask across heads. */
    default boolean allowed(int head, int query, int key) {
        return allowed(query, key);
    }
}
