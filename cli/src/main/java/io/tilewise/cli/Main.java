package io.tilewise.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Entry point of the {@code tilewise} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
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
