package io.tilewise.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tilewise bench}: groups the benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchAttentionCommand.class, BenchPeakCommand.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
