package io.tilewise.cli;

import io.tilewise.bench.FmaPeak;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tilewise bench peak}: the machine's measured fp32 FMA peak, the yardstick for kernel GFLOP/s. */
@Command(name = "peak", mixinStandardHelpOptions = true,
        description = "Measure the fp32 FMA peak (Vector API, one thread per core, no memory traffic).")
final class BenchPeakCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", paramLabel = "T", description = "threads, 1..processors (default: every core)")
    Integer threadsOption;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "200000000",
            description = "loop iterations per thread (default ${DEFAULT-VALUE}, ~1-2 s)")
    long iterations;

    @Override
    public Integer call() {
        int threads = OptionChecks.threads(threadsOption);
        if (iterations < 1) throw new IllegalArgumentException("--iterations " + iterations + " must be >= 1");
        int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        FmaPeak.Result r = FmaPeak.measure(t, iterations);
        spec.commandLine().getOut().printf(Locale.ROOT,
                "fp32 FMA peak: %.1f GFLOP/s with %d threads, %d-lane vectors (%.2f s)%n", r.gflops(), r.threads(), r.lanes(), r.seconds());
        return 0;
    }
}
