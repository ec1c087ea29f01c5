package io.tilewise.cli;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes the library's warnings (everything Tilewise logs under {@code io.tilewise} at WARNING or above: unknown prompt
 * words, a {@code nonfinite=dense} fallback, a backend that failed to load) to the command's stderr as
 * {@code tilewise: warning: …} lines, for as long as one command runs. Nothing is silenced: the handler only replaces
 * the JDK console format (two lines with a timestamp) with the CLI's, prints each distinct message once (a compare or
 * sweep generates the same prompt many times) and, past {@link #MAX_LINES}, counts instead of flooding the terminal.
 */
final class LibraryWarnings extends Handler implements AutoCloseable {

    static final int MAX_LINES = 20;

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger would forget this handler. */
    private static final Logger LIBRARY = Logger.getLogger("io.tilewise");
    private static volatile LibraryWarnings active;

    private final PrintWriter err;
    private final boolean parentHandlers;
    private final Set<String> seen = new HashSet<>();
    private int printed;
    private int notShown;

    private LibraryWarnings(PrintWriter err) {
        this.err = err;
        this.parentHandlers = LIBRARY.getUseParentHandlers();
    }

    /** Starts routing; close to stop (restores the logger as it was). */
    static LibraryWarnings install(PrintWriter err) {
        LibraryWarnings handler = new LibraryWarnings(err);
        handler.setLevel(Level.WARNING);
        LIBRARY.addHandler(handler);
        LIBRARY.setUseParentHandlers(false);   // the same records would otherwise also reach the JDK's console handler
        active = handler;
        return handler;
    }

    /**
     * A warning a command learned from a result rather than from the log (e.g. {@code GenerationResult.warnings()});
     * printed unless the log already delivered it. Without an installed handler (a command run outside Main) it prints.
     */
    static void report(PrintWriter fallback, String message) {
        LibraryWarnings current = active;
        if (current != null) {
            current.print(message);
        } else {
            fallback.println("tilewise: warning: " + Messages.oneLine(message));
            fallback.flush();
        }
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) return;
        String message = record.getMessage();
        if (record.getParameters() != null && record.getParameters().length > 0) {
            message = java.text.MessageFormat.format(message, record.getParameters());
        }
        print(message);
    }

    private synchronized void print(String message) {
        if (!seen.add(message)) return;
        if (printed == MAX_LINES) {
            notShown++;
            return;
        }
        printed++;
        err.println("tilewise: warning: " + Messages.oneLine(message));
        err.flush();
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public synchronized void close() {
        LIBRARY.removeHandler(this);
        LIBRARY.setUseParentHandlers(parentHandlers);
        if (active == this) active = null;
        if (notShown > 0) {
            err.println("tilewise: warning: " + notShown + " further distinct warnings not shown");
            err.flush();
        }
    }
}
