package io.tilewise.wan.vae;

import io.tilewise.pipeline.model.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code vae/} component of a diffusers Wan pipeline folder: its checked config and where its weights are.
 */
public record WanVaeFolder(Path dir, WanVaeConfig config) {

    public static final String COMPONENT = "vae";

    /**
     * Finds and checks {@code modelDir/vae} (config.json with {@code _class_name} AutoencoderKLWan and the weights
     * file); every problem is one message naming the folder or file.
     */
    public static WanVaeFolder open(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new ModelFormatException("model folder " + modelDir + " does not exist");
        Path dir = modelDir.resolve(COMPONENT);
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(modelDir + ": no vae/ folder (the AutoencoderKLWan component is missing)");
        }
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new ModelFormatException(dir + ": no config.json (the VAE config)");
        WanVaeConfig parsed = WanVaeConfig.read(config);
        if (!Files.isRegularFile(dir.resolve(WanVaeWeights.FILE))) {
            throw new ModelFormatException(dir + ": no " + WanVaeWeights.FILE + " (the VAE weights)");
        }
        return new WanVaeFolder(dir, parsed);
    }

    public WanVaeWeights weights() {
        return WanVaeWeights.open(dir);
    }

    /**
     * Checks a latent array's shape, {@code [1, z_dim, F', H', W']}, and returns {@code {F', H', W'}}.
     *
     * @param what names the array in the message (e.g. {@code --latents z.npy})
     */
    public int[] latentSize(int[] shape, String what) {
        int z = config.zDim();
        String expected = "; expected [1, " + z + ", F', H', W'] (batch 1, " + z + " latent channels)";
        if (shape.length != 5) throw new IllegalArgumentException(what + " has shape " + java.util.Arrays.toString(shape) + expected);
        if (shape[0] != 1) throw new IllegalArgumentException(what + " has batch " + shape[0] + " (shape " + java.util.Arrays.toString(shape) + ")" + expected);
        if (shape[1] != z) {
            throw new IllegalArgumentException(what + " has " + shape[1] + " latent channels (shape " + java.util.Arrays.toString(shape) + ")" + expected);
        }
        for (int i = 2; i < 5; i++) {
            if (shape[i] < 1) throw new IllegalArgumentException(what + " has an empty axis (shape " + java.util.Arrays.toString(shape) + ")" + expected);
        }
        return new int[] {shape[2], shape[3], shape[4]};
    }
}
