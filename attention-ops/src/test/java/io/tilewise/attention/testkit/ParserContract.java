package io.tilewise.attention.testkit;

import java.util.List;

/**
 * The contract every parser of untrusted input keeps (issue 9): for any bytes it either returns a value or throws
 * one of its documented user errors with a non-blank message. Anything else (a runtime exception from deep inside,
 * an {@link OutOfMemoryError}, a {@link StackOverflowError}) escapes, so Jazzer records it as a finding and a plain
 * test fails.
 */
public final class ParserContract {

    /** A parse that may throw anything. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    private ParserContract() {
    }

    /**
     * Runs {@code parse}.
     *
     * @return true when it returned, false when it threw one of {@code userErrors} with a clear message
     */
    public static boolean holds(Parse parse, List<Class<? extends Throwable>> userErrors) {
        try {
            parse.run();
            return true;
        } catch (Throwable t) {
            if (userErrors.stream().noneMatch(c -> c.isInstance(t))) throw sneaky(t);
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                throw new AssertionError(t.getClass().getSimpleName() + " without a message", t);
            }
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
