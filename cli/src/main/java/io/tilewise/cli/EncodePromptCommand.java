package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.text.PromptEncoder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

/** {@code tilewise encode-prompt}: a Wan pipeline folder's UMT5 text states for one prompt, as an .npy file. */
@Command(name = "encode-prompt", mixinStandardHelpOptions = true,
        description = {"Encode a prompt with a Wan2.1 pipeline folder's tokenizer and UMT5 text encoder, as WanPipeline "
                + "does before denoising: writes float32 [1, N, d_model], zero past the prompt's tokens."})
final class EncodePromptCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "diffusers pipeline folder (model_index.json, text_encoder/, tokenizer/)")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "P", description = "the prompt")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output .npy, [1, N, d_model] float32")
    Path out;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "" + PromptEncoder.DEFAULT_MAX_TOKENS,
            description = "padded sequence length, WanPipeline's max_sequence_length (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "0",
            description = "ONNX Runtime threads (default: every core)")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 1 || maxTokens > 65536) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + " must be in 1..65536");
        }
        if (threads < 0) throw new IllegalArgumentException("--threads " + threads + " must be >= 0");
        if (!out.getFileName().toString().endsWith(".npy")) {
            throw new IllegalArgumentException("--out " + out + " must end in .npy");
        }
        int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        try (PromptEncoder encoder = PromptEncoder.open(model, maxTokens, t)) {
            float[] states = encoder.encode(List.of(prompt), progress(encoder.layers()));
            Npy.write(out, new NpyArray(new int[] {1, maxTokens, encoder.dModel()}, states));
        }
        return 0;
    }

    /** Blocks done, on one line of a terminal; nothing in pipes and CI. */
    private IntConsumer progress(int layers) {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return null;
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        return done -> {
            err.printf(Locale.ROOT, "\rtext encoder: block %d/%d  %.1f s", done, layers, (System.nanoTime() - start) / 1e9);
            if (done == layers) err.println();
            err.flush();
        };
    }
}
