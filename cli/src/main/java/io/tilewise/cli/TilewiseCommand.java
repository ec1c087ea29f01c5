package io.tilewise.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command; subcommands do the work. */
@Command(name = "tilewise", mixinStandardHelpOptions = true, version = "tilewise 0.1.0",
        description = "Sparse and approximate attention for diffusion transformers.",
        subcommands = {GenerateCommand.class, CompareCommand.class, SweepCommand.class, CaptureCommand.class, ModelsCommand.class, AdherenceCommand.class, CalibrateCommand.class, AttentionCommand.class, BenchCommand.class, InspectCommand.class, MethodsCommand.class, ForwardCommand.class, EncodePromptCommand.class, DecodeLatentsCommand.class, CommandLine.HelpCommand.class})
public final class TilewiseCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A configured command line: user mistakes print one line, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TilewiseCommand());
        // "@file" arguments would read a file into the command line ("--prompt @secret.txt" echoed its words in an
        // error); a prompt is text, so the expansion is off for every command.
        cl.setExpandAtFiles(false);
        ErrorHandler errors = new ErrorHandler();
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        cl.registerConverter(io.tilewise.attention.api.TokenGrid.class, Converters::grid);
        cl.registerConverter(io.tilewise.attention.api.TextPlacement.class, Converters::placement);
        cl.registerConverter(io.tilewise.attention.memory.MemoryLimit.class, Converters::memoryLimit);
        return cl;
    }
}
