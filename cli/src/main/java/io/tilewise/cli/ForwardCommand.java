package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.run.AttentionPolicy;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanForward;
import io.tilewise.wan.transformer.WanTransformer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tilewise forward}: one Wan2.1 transformer forward on tensors from {@code .npy} files, as diffusers'
 * {@code WanTransformer3DModel(x, timestep, text_states)} computes it — how a user checks Tilewise against a PyTorch
 * dump of the same call. Inputs are checked against the model's config before the model is loaded.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run one Wan2.1 transformer forward (diffusers WanTransformer3DModel) on latents and text states "
                + "from .npy files and write the raw output; self-attention runs the given attention policy."})
final class ForwardCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "a diffusers Wan2.1 pipeline folder (model_index.json + transformer/) or a transformer folder")
    Path model;

    @Option(names = "--latents", required = true, paramLabel = "FILE", description = "latents x [B,16,F,H,W] float32 .npy")
    Path latents;

    @Option(names = "--timestep", required = true, paramLabel = "T",
            description = "diffusion timestep of every batch item, 0..1000 (as diffusers passes it)")
    float timestep;

    @Option(names = "--text-states", required = true, paramLabel = "FILE",
            description = "text encoder states [B,L,text_dim] float32 .npy")
    Path textStates;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output v [B,16,F,H,W] float32 .npy")
    Path out;

    @Option(names = "--attention", paramLabel = "POLICY", defaultValue = "dense",
            description = "self-attention policy, e.g. radial or dense@layers=0,1;gna:window=3x8x8 (default ${DEFAULT-VALUE})")
    String attention;

    @Option(names = "--threads", paramLabel = "N", description = "threads for ONNX Runtime and attention (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) throw new IllegalArgumentException("--threads " + n + " must be >= 1");
        WanConfig config = WanTransformer.readConfig(model);
        NpyArray x = Npy.read(latents);
        NpyArray ctx = Npy.read(textStates);
        WanTransformer.checkInputs(config, x.shape(), timestep, ctx.shape());
        Pipeline.Options options = new Pipeline.Options(n, null);
        AttentionPolicy policy = AttentionPolicy.parse(attention, options.kernels());
        PrintWriter stdout = spec.commandLine().getOut();
        long start = System.nanoTime();
        try (WanTransformer transformer = WanTransformer.open(model, options)) {
            long loaded = System.nanoTime();
            WanForward result = transformer.forward(x.data(), x.shape(), timestep, ctx.data(), ctx.shape()[1], policy);
            Npy.write(out, new NpyArray(result.shape(), result.velocity()));
            for (String w : result.warnings()) spec.commandLine().getErr().println("tilewise forward: warning: " + w);
            long end = System.nanoTime();
            stdout.println(String.format(Locale.ROOT,
                    "forward: %s layout, %d layers, latents %s, policy %s: load %.1f s, forward %.2f s (stages %.2f s, "
                            + "attention %.2f s, attention setup %.2f s) -> %s",
                    transformer.layout().name().toLowerCase(Locale.ROOT), config.layers(), java.util.Arrays.toString(x.shape()),
                    policy, (loaded - start) / 1e9, (end - loaded) / 1e9, result.stageNanos() / 1e9,
                    result.attentionNanos() / 1e9, result.prepareNanos() / 1e9, out));
        }
        return 0;
    }
}
