package io.tilewise.attention.api;

/** Answer of {@link AttentionKernel#supports}: yes, or no with a reason a person can act on. */
public record Support(boolean supported, String reason) {

    private static final Support YES = new Support(true, "supported");

    public static Support yes() {
        return YES;
    }

    public static Support no(String reason) {
        return new Support(false, reason);
    }
}
