package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.vae.WanVaeDecoder;
import io.tilewise.wan.vae.WanVaeFolder;
import io.tilewise.wan.vae.WanVaeWeights;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tilewise decode-latents}: a Wan folder's VAE decode of latents from a .npy file. */
@Command(name = "decode-latents", mixinStandardHelpOptions = true,
        description = {"Decode Wan latents with the model folder's VAE (AutoencoderKLWan), as WanPipeline does after denoising.",
                "Input: float32 [1, 16, F', H', W'] normalized latents (the command un-normalizes with the VAE config's "
                        + "latents_mean/latents_std). Output: float32 frames [F, H, W, 3] in [0, 1], F = 1 + 4(F'-1), H = 8H', W = 8W'."})
final class DecodeLatentsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "diffusers Wan pipeline folder (with vae/)")
    Path model;

    @Option(names = "--latents", required = true, paramLabel = "FILE", description = "latents (.npy), [1, z_dim, F', H', W']")
    Path latents;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "frames (.npy), written atomically")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "ONNX Runtime threads (default: all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int n = threads == null ? cores : threads;
        if (n < 1 || n > 1024) throw new IllegalArgumentException("--threads " + n + " must be in 1..1024");
        if (!Files.isRegularFile(latents)) throw new IllegalArgumentException("--latents " + latents + ": file does not exist");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("--out " + out + ": directory " + parent + " does not exist");
        WanVaeFolder folder = WanVaeFolder.open(model);
        NpyArray z = Npy.read(latents);
        int[] size = folder.latentSize(z.shape(), "--latents " + latents);
        PrintWriter err = spec.commandLine().getErr();
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        long start = System.nanoTime();
        float[] video;
        try (WanVaeWeights weights = folder.weights();
             WanVaeDecoder decoder = new WanVaeDecoder(folder.config(), weights, size[1], size[2], n)) {
            long built = System.nanoTime();
            if (terminal) err.printf(Locale.ROOT, "decode-latents: graphs built in %.1f s%n", (built - start) / 1e9);
            video = decoder.decode(z.data(), size[0], done -> {
                if (terminal) {
                    err.printf(Locale.ROOT, "\rdecode-latents: latent frame %d/%d (%.1f s)", done, size[0], (System.nanoTime() - built) / 1e9);
                    err.flush();
                }
            });
            if (terminal) err.println();
        }
        int s = folder.config().spatialScale();
        int[] shape = {folder.config().outputFrames(size[0]), size[1] * s, size[2] * s, 3};
        Npy.write(out, new NpyArray(shape, video));
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d frames of %dx%d in %.1f s%n", out, shape[0], shape[1], shape[2],
                (System.nanoTime() - start) / 1e9);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
