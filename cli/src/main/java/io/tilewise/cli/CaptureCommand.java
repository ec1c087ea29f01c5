package io.tilewise.cli;

import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.probe.CapturingKernel;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code tilewise capture}: q, k, v of chosen attention calls of a real generation, as .npy for operator sweeps. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Generate a prompt (dense unless --attention) and save q, k, v of the conditional branch at the given "
                + "STEP:LAYER points as DIR/stepS-layerL-{q,k,v}.npy ([1, heads, seqLen, headDim]); use them in a sweep "
                + "with \"level\": \"attention\" and shapes {\"q\": …, \"k\": …, \"v\": …}."})
final class CaptureCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT")
    String prompt;

    @Option(names = "--at", required = true, split = ",", paramLabel = "STEP:LAYER", description = "calls to capture, e.g. 0:1,10:1,19:3")
    List<String> at;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for the .npy files (created)")
    Path out;

    @Option(names = "--attention", paramLabel = "POLICY", defaultValue = "dense", description = "policy of the run (default ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "0")
    long seed;

    @Option(names = "--steps", paramLabel = "S", description = "denoising steps (default: the model's)")
    Integer steps;

    @Option(names = "--frames", paramLabel = "N", description = "frames (default: the model's)")
    Integer frames;

    @Option(names = "--height", paramLabel = "PX", description = "height in pixels (default: the model's)")
    Integer height;

    @Option(names = "--width", paramLabel = "PX", description = "width in pixels (default: the model's)")
    Integer width;

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = ModelLocations.DEFAULT_MODEL, description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Override
    public Integer call() throws Exception {
        OptionChecks.prompt(prompt);
        OptionChecks.policy("--attention", policy);
        Set<CapturingKernel.At> points = new LinkedHashSet<>();
        for (String a : at) points.add(CapturingKernel.At.parse(a));
        CompareCommand.checkOut(out);
        Path dir = ModelLocations.resolve(model);
        ModelCard config = ModelFolders.card(dir);
        GenerationDefaults d = config.defaults();
        GenerationRequest request = GenerationRequest.defaults(config, prompt).withSize(frames == null ? d.frames() : frames,
                        height == null ? d.height() : height, width == null ? d.width() : width)
                .withSteps(steps == null ? d.steps() : steps).withSeed(seed).withPolicy(policy);
        for (CapturingKernel.At p : points) {
            if (p.step() < 0 || p.step() >= request.steps() || p.layer() < 0 || p.layer() >= config.blocks()) {
                throw new IllegalArgumentException("--at " + p.step() + ":" + p.layer() + " is outside steps 0.." + (request.steps() - 1)
                        + " and layers 0.." + (config.blocks() - 1));
            }
        }
        Files.createDirectories(out);
        List<Path> written = new ArrayList<>();
        Pipeline.Options options = Pipeline.Options.defaults();
        try (Pipeline pipeline = Pipeline.open(dir, options.withKernels(CapturingKernel.wrapping(options.kernels(), points, out, written)))) {
            pipeline.generate(request);
        }
        spec.commandLine().getOut().printf("wrote %d files to %s (token grid %s, %d heads, head dim %d)%n", written.size(), out,
                config.geometry().grid(request.frames(), request.height(), request.width()), config.heads(), config.headDim());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
