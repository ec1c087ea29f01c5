package io.tilewise.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Maps exceptions to one line on stderr, {@code tilewise <command>: <message>}, and an exit code. User mistakes
 * (bad arguments, bad files, option syntax) exit 2; anything else is a bug and exits 1, with the stack trace only
 * under {@code TILEWISE_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    static final int USER_ERROR = 2;
    static final int INTERNAL_ERROR = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        Throwable cause = ex;
        String context = null;
        if (cause instanceof UncheckedIOException u) {
            cause = u.getCause();
            // "cannot write clip.mp4: …" names the file; a bare wrapper's message is just its cause's toString()
            if (u.getMessage() != null && !u.getMessage().equals(String.valueOf(cause))) context = u.getMessage();
        }
        // NaN from a model or a method is reported like a user error: one line naming where, no stack trace.
        boolean userError = cause instanceof IllegalArgumentException || cause instanceof IOException
                || cause instanceof io.tilewise.pipeline.run.NonFiniteAttentionException;
        String message = context != null ? context
                : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        cl.getErr().println(name(cl) + ": " + (userError ? "" : "internal error: ") + oneLine(message));
        boolean debug = "1".equals(System.getenv("TILEWISE_DEBUG"));
        if (debug) cause.printStackTrace(cl.getErr());
        else if (!userError) cl.getErr().println("(set TILEWISE_DEBUG=1 for the stack trace)");
        cl.getErr().flush();
        return userError ? USER_ERROR : INTERNAL_ERROR;
    }

    /**
     * Option syntax errors (unknown option, missing value, number that does not parse): one line and a pointer to
     * help; a mistyped command or option gets the nearest names ({@code generat} → {@code generate}).
     */
    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        // "--promt x" is reported by picocli as the missing --prompt; the mistyped option is the better news.
        if (!(ex instanceof CommandLine.UnmatchedArgumentException) && cl.getParseResult() != null
                && !cl.getParseResult().unmatched().isEmpty()) {
            ex = new CommandLine.UnmatchedArgumentException(cl, cl.getParseResult().unmatched());
        }
        String suggestion = "";
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            suggestion = "; did you mean " + unmatched.getSuggestions().getFirst() + "?"; // picocli lists the closest first
        }
        cl.getErr().println(name(cl) + ": " + oneLine(ex.getMessage()) + suggestion + " (see " + name(cl) + " --help)");
        cl.getErr().flush();
        return USER_ERROR;
    }

    /** {@code tilewise bench attention}, not just {@code attention}, so nested commands are told apart. */
    private static String name(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }

    private static String oneLine(String message) {
        return Messages.oneLine(message);
    }
}
