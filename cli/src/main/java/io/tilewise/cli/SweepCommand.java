package io.tilewise.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.attention.io.UserFiles;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.sweep.DryRun;
import io.tilewise.pipeline.sweep.Sweep;
import io.tilewise.pipeline.sweep.SweepCell;
import io.tilewise.pipeline.sweep.SweepLog;
import io.tilewise.pipeline.sweep.SweepRunner;
import io.tilewise.pipeline.sweep.SweepSpec;
import io.tilewise.pipeline.sweep.SweepSpecReader;
import io.tilewise.pipeline.sweep.SweepTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tilewise sweep}: a grid of methods and parameters, resumable, with a table, a Pareto plot and a report. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run every cell of a sweep file (methods x parameter values x prompts x seeds x sizes, or at level "
                + "attention methods x shapes on synthetic or captured q/k/v). Results are appended to DIR/results.jsonl as "
                + "cells finish; --resume skips finished cells. At the end: DIR/table.md, DIR/pareto.png, DIR/report.html."})
final class SweepCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--spec", required = true, paramLabel = "FILE", description = "sweep file (JSON; see README)")
    Path specFile;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    Path out;

    @Option(names = "--resume", description = "continue the sweep in --out, skipping finished cells")
    boolean resume;

    @Option(names = "--dry-run", description = "list every cell (supported or why not, predicted cost) and stop")
    boolean dryRun;

    @Option(names = "--model", paramLabel = "DIR|NAME", description = "model (default: the sweep file's \"model\", else "
            + ModelLocations.DEFAULT_MODEL + ")")
    String model;

    @Option(names = "--threads", paramLabel = "T", description = "ONNX Runtime threads, 1..processors (default: every core)")
    Integer threadsOption;
    private int threads;

    @Override
    public Integer call() throws IOException {
        threads = OptionChecks.threads(threadsOption);
        SweepSpec sweepSpec = SweepSpecReader.read(specFile);
        String specText = UserFiles.readUtf8(specFile, "--spec", SweepSpecReader.MAX_FILE_BYTES);
        CompareCommand.checkOut(out);
        if (!dryRun) SweepRunner.checkFolder(out, resume);
        PrintWriter stdout = spec.commandLine().getOut();
        Map<String, ObjectNode> finished = SweepLog.read(out.resolve(SweepRunner.RESULTS));
        try (Sweep sweep = open(sweepSpec)) {
            if (dryRun) {
                stdout.print(DryRun.listing(sweep, finished));
                stdout.flush(); // print() does not flush picocli's writer; System.exit would drop the listing
                return 0;
            }
            SweepRunner.Outcome outcome = SweepRunner.run(sweep, specText, out, resume, progressBar());
            stdout.print(SweepTable.markdown(SweepTable.rows(sweep.cells(), outcome.lines(), true)));
            stdout.printf("ran %d cells, skipped %d finished; wrote %s, %s, %s%n", outcome.ran(), outcome.skipped(),
                    out.resolve(SweepRunner.RESULTS), out.resolve("pareto.png"), out.resolve("report.html"));
            stdout.flush();
        }
        return 0;
    }

    private Sweep open(SweepSpec s) {
        if (s.level() == SweepSpec.Level.ATTENTION) return Sweep.attention(s);
        Path dir = ModelLocations.resolve(model != null ? model : s.model() != null ? s.model() : ModelLocations.DEFAULT_MODEL);
        ModelCard config = ModelFolders.card(dir);
        Pipeline.Options options = threads == 0 ? Pipeline.Options.defaults()
                : new Pipeline.Options(threads, Pipeline.Options.defaults().kernels());
        return Sweep.generation(s, config, o -> Pipeline.open(dir, o), options, out);
    }

    /** A one-line bar with cells done and ETA on a terminal; nothing in pipes and CI. */
    private SweepRunner.Listener progressBar() {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return new SweepRunner.Listener() { };
        PrintWriter err = spec.commandLine().getErr();
        return new SweepRunner.Listener() {
            @Override
            public void started(SweepCell cell, int done, int toRun, double eta) {
                draw(done, toRun, eta, cell.key());
            }

            @Override
            public void finished(SweepCell cell, ObjectNode line, int done, int toRun, double eta) {
                draw(done, toRun, eta, "");
                if (done == toRun) err.println();
            }

            private void draw(int done, int toRun, double eta, String what) {
                int width = 30;
                int filled = toRun == 0 ? width : done * width / toRun;
                String name = what.length() > 50 ? what.substring(0, 47) + "..." : what;
                err.printf(Locale.ROOT, "\r[%s%s] %d/%d cells  eta %s  %-50s", "#".repeat(filled), ".".repeat(width - filled), done,
                        toRun, eta < 60 ? String.format(Locale.ROOT, "%.0f s", eta) : String.format(Locale.ROOT, "%.0f min", eta / 60), name);
                err.flush();
            }
        };
    }
}
