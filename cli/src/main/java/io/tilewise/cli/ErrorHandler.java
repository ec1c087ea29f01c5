package io.tilewise.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Maps exceptions from a command to one line on stderr and an exit code. User mistakes (bad arguments, bad
 * files) exit 2; anything else is a bug and exits 1, with the stack trace only under {@code TILEWISE_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    static final int USER_ERROR = 2;
    static final int INTERNAL_ERROR = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        Throwable cause = ex;
        if (cause instanceof UncheckedIOException u) cause = u.getCause();
        boolean userError = cause instanceof IllegalArgumentException || cause instanceof IOException;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        cl.getErr().println("tilewise " + cl.getCommandName() + ": " + (userError ? "" : "internal error: ") + message);
        if (!userError || "1".equals(System.getenv("TILEWISE_DEBUG"))) {
            if ("1".equals(System.getenv("TILEWISE_DEBUG"))) cause.printStackTrace(cl.getErr());
            else if (!userError) cl.getErr().println("(set TILEWISE_DEBUG=1 for the stack trace)");
        }
        return userError ? USER_ERROR : INTERNAL_ERROR;
    }
}
