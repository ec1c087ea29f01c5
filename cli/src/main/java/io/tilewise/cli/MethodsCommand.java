package io.tilewise.cli;

import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.AttentionMethods;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code tilewise methods}: the registered attention methods with their spec keys. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List the attention methods and their spec parameters.")
final class MethodsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        int width = AttentionMethods.ids().stream().mapToInt(String::length).max().orElse(0);
        for (AttentionMethodProvider p : AttentionMethods.all().values()) {
            out.printf("%-" + width + "s  %s%n", p.id(), p.summary());
        }
        out.flush();
    }
}
