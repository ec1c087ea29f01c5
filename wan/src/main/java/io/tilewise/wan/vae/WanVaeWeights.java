package io.tilewise.wan.vae;

import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.pipeline.model.TensorInfo;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The decoder tensors of a Wan VAE checkpoint ({@code vae/diffusion_pytorch_model.safetensors}), read on demand
 * with their shapes checked against what the config implies, so a mismatched file fails with the tensor's name
 * rather than deep inside ONNX Runtime.
 */
public final class WanVaeWeights implements AutoCloseable {

    public static final String FILE = "diffusion_pytorch_model.safetensors";

    private final SafetensorsFile file;
    private final String label;

    private WanVaeWeights(SafetensorsFile file, String label) {
        this.file = file;
        this.label = label;
    }

    /** Opens {@code vaeDir/diffusion_pytorch_model.safetensors} (memory-mapped; values are copied out per tensor). */
    public static WanVaeWeights open(Path vaeDir) {
        Path path = vaeDir.resolve(FILE);
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new ModelFormatException(vaeDir + ": no " + FILE + " (the VAE weights)");
        }
        return new WanVaeWeights(SafetensorsFile.open(path), path.toString());
    }

    /** The values of {@code name} as float32, after checking that its shape is {@code shape}. */
    public float[] get(String name, long... shape) {
        TensorInfo info = file.tensors().get(name);
        if (info == null) throw new ModelFormatException(label + ": tensor " + name + " is missing");
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ModelFormatException(label + ": tensor " + name + " has shape " + info.shapeString()
                    + "; the VAE config implies " + Arrays.toString(shape));
        }
        return file.floats(name);
    }

    @Override
    public void close() {
        file.close();
    }
}
