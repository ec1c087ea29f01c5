package io.tilewise.attention.memory;

/**
 * A run refused before it allocated because its estimated memory is over the limit. A user error (a size to make
 * smaller or a limit to raise), so it is an {@link IllegalArgumentException}; the message is one line naming the
 * estimate, its largest parts and the limit.
 */
public final class MemoryLimitException extends IllegalArgumentException {

    private final MemoryEstimate estimate;
    private final long limitBytes;

    public MemoryLimitException(String message, MemoryEstimate estimate, long limitBytes) {
        super(message);
        this.estimate = estimate;
        this.limitBytes = limitBytes;
    }

    public MemoryEstimate estimate() {
        return estimate;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
