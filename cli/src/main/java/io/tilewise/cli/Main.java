package io.tilewise.cli;

import picocli.CommandLine;

/** Entry point of the {@code tilewise} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        return TilewiseCommand.commandLine().execute(args);
    }
}
