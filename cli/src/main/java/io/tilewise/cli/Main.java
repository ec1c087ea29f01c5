package io.tilewise.cli;

import io.tilewise.attention.io.CommandLineStack;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Entry point of the {@code tilewise} command. */
public final class Main {

    private Main() {
    }

    /**
     * Runs the command on a thread whose stack grows with the command line ({@link CommandLineStack}): ONNX
     * Runtime's start-up recurses over it, so a long prompt or policy on the default stack crashed the JVM.
     */
    public static void main(String[] args) {
        int code;
        try {
            code = CommandLineStack.call("tilewise", () -> run(args));
        } catch (OutOfMemoryError e) {
            // not a user mistake, but no stack trace either: what ran out and what to do
            System.err.println("tilewise: out of memory (" + e.getMessage() + "); give Java more with TILEWISE_JAVA_OPTS=-Xmx… "
                    + "or make the run smaller");
            code = ErrorHandler.INTERNAL_ERROR;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = TilewiseCommand.commandLine();
        try (LibraryWarnings warnings = LibraryWarnings.install(cl.getErr())) {
            return cl.execute(args);
        }
    }

    /** As {@link #run(String...)}, printing to the given writers instead of stdout and stderr. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = TilewiseCommand.commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try (LibraryWarnings warnings = LibraryWarnings.install(err)) {
            return cl.execute(args);
        }
    }
}
