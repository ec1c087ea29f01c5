package io.tilewise.cli;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.bench.AttentionBenchmark;
import io.tilewise.bench.BenchJsonLines;
import io.tilewise.bench.BenchRequest;
import io.tilewise.bench.BenchRow;
import io.tilewise.bench.BenchTable;
import io.tilewise.bench.MachineInfo;
import io.tilewise.bench.MethodList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code tilewise bench attention}: time methods against our dense and ONNX Runtime on seeded random inputs. */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = {"Time attention methods on seeded random q, k, v of one shape, against our dense kernel "
                + "(always measured) and, when listed, ONNX Runtime's MultiHeadAttention (ort-mha).",
                "Methods run in interleaved rounds; the table shows median times and ratios from this one run."})
final class BenchAttentionCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    LayoutOptions layoutOptions;

    @Option(names = "--heads", required = true, paramLabel = "H", description = "attention heads")
    int heads;

    @Option(names = "--head-dim", required = true, paramLabel = "D", description = "head dimension")
    int headDim;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--methods", paramLabel = "SPEC,...", defaultValue = "dense,ort-mha",
            description = "method specs, comma-separated (default ${DEFAULT-VALUE}); see tilewise methods")
    String methods;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "10", description = "timed calls per method (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "3", description = "untimed calls per method first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", paramLabel = "T",
            description = "threads for our kernels and ONNX Runtime, 1..processors (default: every core)")
    Integer threadsOption;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the random inputs (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "refuse a run whose estimated memory is larger, e.g. 4g (default: 80%% of the max heap + the off-heap budget)")
    io.tilewise.attention.memory.MemoryLimit memoryLimit;

    @Option(names = "--json", paramLabel = "FILE", description = "append the rows as JSON lines to FILE")
    Path json;

    @Option(names = "--backend", paramLabel = "auto|cpu|tornado", defaultValue = "auto", converter = Converters.BackendConverter.class,
            description = "where our kernels run, dense included (default ${DEFAULT-VALUE}: TornadoVM when installed with a "
                    + "device, else the CPU); ort-mha always runs on ONNX Runtime's CPU provider")
    Backend backend;

    @Override
    public Integer call() throws Exception {
        AttentionShape shape = new AttentionShape(batch, heads, headDim, layoutOptions.layout());
        List<String> specs = MethodList.parse(methods);
        BackendChoice choice = BackendSelector.select(backend);
        BenchRequest request = new BenchRequest(shape, specs, repeats, warmup, OptionChecks.threads(threadsOption), seed, choice, memoryLimit);
        List<BenchRow> rows = AttentionBenchmark.run(request, progress());
        MachineInfo machine = MachineInfo.detect();
        if (json != null) BenchJsonLines.append(json, rows, machine, Instant.now());
        spec.commandLine().getOut().println(choice.describe());
        for (String fallback : choice.fallbacks()) spec.commandLine().getOut().println("note: " + fallback);
        spec.commandLine().getOut().print(BenchTable.format(rows, machine));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Progress on a terminal only; pipes and CI stay quiet. */
    private Consumer<String> progress() {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return line -> { };
        return line -> {
            spec.commandLine().getErr().println("tilewise bench attention: " + line);
            spec.commandLine().getErr().flush();
        };
    }
}
