package io.tilewise.wan.tools;

import io.tilewise.pipeline.model.SafetensorsCheckpoint;
import io.tilewise.pipeline.model.TensorInfo;
import io.tilewise.wan.vae.WanVaeConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Developer tool: writes the weights of a diffusers Wan2.1 T2V pipeline folder (such as the random one of
 * {@link WanRandomPipeline}) as the three FP16 single files stable-diffusion.cpp loads, so both tools compute the
 * same model: {@value #TRANSFORMER_FILE} ({@code --diffusion-model}), {@value #TEXT_ENCODER_FILE} ({@code --t5xxl})
 * and {@value #VAE_FILE} ({@code --vae}), named as the ComfyUI repackaging names them. Every tensor is renamed by
 * {@link SdCppNames} and rounded to fp16 ({@link Fp16SafetensorsWriter}; BF16 weights of normal magnitude stay exact,
 * the count of values that do not is printed). A decode-only VAE gets a zero encoder, which sd.cpp requires but never
 * runs for text-to-video. Tensors are streamed one chunk at a time, so a small heap does for UMT5-XXL.
 *
 * <pre>java -Xmx512m -cp … io.tilewise.wan.tools.SdCppExport PIPELINE_DIR OUT_DIR</pre>
 */
public final class SdCppExport {

    static final String TRANSFORMER_FILE = "wan2.1_t2v_1.3B_fp16.safetensors";
    static final String TEXT_ENCODER_FILE = "umt5_xxl_fp16.safetensors";
    static final String VAE_FILE = "wan_2.1_vae.safetensors";

    private static final String USAGE = "usage: SdCppExport PIPELINE_DIR OUT_DIR";

    private SdCppExport() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the export; returns the exit code (2 for a usage or input error, with one line on {@code err}). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            err.println("SdCppExport: expected 2 arguments, got " + args.length + "; " + USAGE);
            return 2;
        }
        Path pipeline = Path.of(args[0]);
        Path target = Path.of(args[1]);
        for (String part : List.of("transformer", "text_encoder", "vae")) {
            if (!Files.isDirectory(pipeline.resolve(part))) {
                err.println("SdCppExport: PIPELINE_DIR " + pipeline + " has no " + part
                        + "/ folder; a diffusers Wan pipeline folder is needed");
                return 2;
            }
        }
        try {
            Files.createDirectories(target);
            export(pipeline, target, out);
            return 0;
        } catch (IllegalArgumentException | Fp16SafetensorsWriter.OutOfRangeException e) {
            err.println("SdCppExport: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException e) {
            err.println("SdCppExport: " + e.getMessage());
            return 1;
        }
    }

    /** Writes the three files into {@code target}, printing one line per file. */
    static void export(Path pipeline, Path target, PrintStream out) throws IOException {
        try (SafetensorsCheckpoint t = SafetensorsCheckpoint.open(pipeline.resolve("transformer"), "diffusion_pytorch_model")) {
            List<Fp16SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (TensorInfo info : t.tensors().values()) {
                entries.add(copy(t, info, renamed("transformer/", info.name(), SdCppNames::transformer)));
            }
            write(target.resolve(TRANSFORMER_FILE), entries, out);
        }
        try (SafetensorsCheckpoint te = SafetensorsCheckpoint.open(pipeline.resolve("text_encoder"), "model")) {
            List<Fp16SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (TensorInfo info : te.tensors().values()) {
                String name = renamed("text_encoder/", info.name(), SdCppNames::textEncoder);
                if (name != null) entries.add(copy(te, info, name));
            }
            write(target.resolve(TEXT_ENCODER_FILE), entries, out);
        }
        Path vaeDir = pipeline.resolve("vae");
        WanVaeConfig config = WanVaeConfig.read(vaeDir.resolve("config.json"));
        int numResBlocks = config.numResBlocks();
        try (SafetensorsCheckpoint vae = SafetensorsCheckpoint.open(vaeDir, "diffusion_pytorch_model")) {
            List<Fp16SafetensorsWriter.Entry> entries = new ArrayList<>();
            boolean hasEncoder = false;
            for (TensorInfo info : vae.tensors().values()) {
                hasEncoder |= info.name().startsWith("encoder.") || info.name().startsWith("quant_conv.");
                entries.add(copy(vae, info, renamed("vae/", info.name(), n -> SdCppNames.vae(n, numResBlocks))));
            }
            if (!hasEncoder) {
                Map<String, long[]> encoder = SdCppNames.vaeEncoderShapes(config.baseDim(), config.zDim(),
                        config.dimMult(), numResBlocks, config.temporalDownsample());
                encoder.forEach((name, shape) -> entries.add(Fp16SafetensorsWriter.Entry.zeros(name, shape)));
            }
            write(target.resolve(VAE_FILE), entries, out);
        }
    }

    private static String renamed(String part, String name, UnaryOperator<String> rename) {
        try {
            return rename.apply(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(part + ": " + e.getMessage() + " (only Wan2.1 text-to-video is supported)");
        }
    }

    private static Fp16SafetensorsWriter.Entry copy(SafetensorsCheckpoint ckpt, TensorInfo info, String name) {
        return new Fp16SafetensorsWriter.Entry(name, info.shape(), ckpt.file(info.name()), info.name());
    }

    private static void write(Path file, List<Fp16SafetensorsWriter.Entry> entries, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        Fp16SafetensorsWriter.Report r = Fp16SafetensorsWriter.write(file, entries);
        out.printf("%s: %d tensors (%d zero placeholders), %d values, %d not exact in fp16 (max abs error %.3g), %.1f s%n",
                file, r.tensors(), r.placeholders(), r.values(), r.inexact(), r.maxAbsError(), (System.nanoTime() - t0) / 1e9);
    }
}
