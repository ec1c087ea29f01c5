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

    /** A head-aware mask from its per-head rule; asked without a head, it answers for head 0. */
    static TokenMask perHead(PerHead rule) {
        return new TokenMask() {
            @Override
            public boolean allowed(int query, int key) {
                return rule.allowed(0, query, key);
            }

            @Override
            public boolean allowed(int head, int query, int key) {
                return rule.allowed(head, query, key);
            }
        };
    }

    /** The rule of a {@link #perHead} mask. */
    @FunctionalInterface
    interface PerHead {
        boolean allowed(int head, int query, int key);
    }
}
