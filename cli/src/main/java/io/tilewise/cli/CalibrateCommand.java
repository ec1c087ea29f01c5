package io.tilewise.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tilewise calibrate}: offline calibration of methods that learn their plan from model runs. */
@Command(name = "calibrate", mixinStandardHelpOptions = true, description = "Calibrate methods that learn their plan from model runs.",
        subcommands = {CalibrateParoCommand.class, CalibrateMagCacheCommand.class})
final class CalibrateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
