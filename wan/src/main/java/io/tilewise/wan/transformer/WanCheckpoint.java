package io.tilewise.wan.transformer;

import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsCheckpoint;
import io.tilewise.pipeline.model.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transformer's weights, checked whole against its config before anything runs: every expected tensor present
 * with its shape, no tensor the model does not have; dtypes are F32, BF16 or F16 (the safetensors reader refuses
 * others). A checkpoint in the original Wan layout (with or without {@code model.diffusion_model.}) is recognised by
 * its names and read under diffusers' names ({@link WanNameMapping}). Errors name the file and the tensor.
 *
 * <p>Tensors stay memory-mapped; {@link #floats} widens one to fp32 on the heap when a stage graph is built.
 */
public final class WanCheckpoint implements AutoCloseable {

    /** How the stored names are written. */
    public enum Layout { DIFFUSERS, ORIGINAL }

    private final SafetensorsCheckpoint file;
    private final WanConfig config;
    private final Layout layout;
    private final String prefix;
    private final Map<String, String> stored;

    private WanCheckpoint(SafetensorsCheckpoint file, WanConfig config, Layout layout, String prefix,
                          Map<String, String> stored) {
        this.file = file;
        this.config = config;
        this.layout = layout;
        this.prefix = prefix;
        this.stored = stored;
    }

    /** Validates {@code file} against {@code config}; closes {@code file} when it is refused. */
    public static WanCheckpoint of(SafetensorsCheckpoint file, WanConfig config) {
        try {
            return validate(file, config);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static WanCheckpoint validate(SafetensorsCheckpoint file, WanConfig config) {
        Map<String, TensorInfo> tensors = file.tensors();
        List<String> names = new ArrayList<>(tensors.keySet());
        long prefixed = names.stream().filter(n -> n.startsWith(WanNameMapping.COMFY_PREFIX)).count();
        String prefix = "";
        if (prefixed > 0) {
            if (prefixed != names.size()) {
                String plain = names.stream().filter(n -> !n.startsWith(WanNameMapping.COMFY_PREFIX)).findFirst().orElseThrow();
                throw bad(file, plain, "lacks the " + WanNameMapping.COMFY_PREFIX + " prefix the other tensors have");
            }
            prefix = WanNameMapping.COMFY_PREFIX;
        }
        List<String> bare = new ArrayList<>();
        for (String n : names) bare.add(n.substring(prefix.length()));
        Layout layout = WanNameMapping.isOriginal(bare) ? Layout.ORIGINAL : Layout.DIFFUSERS;
        Map<String, long[]> expected = WanTensorNames.expected(config);
        Map<String, String> stored = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String canonical = layout == Layout.ORIGINAL ? WanNameMapping.toDiffusers(bare.get(i)) : bare.get(i);
            if (canonical == null || !expected.containsKey(canonical)) {
                throw bad(file, names.get(i), "is not a tensor of this Wan2.1 transformer (" + config.layers() + " layers, "
                        + (config.crossAttnNorm() ? "with" : "without") + " cross-attention norm; " + layout.name().toLowerCase()
                        + " layout)");
            }
            String previous = stored.put(canonical, names.get(i));
            if (previous != null) throw bad(file, names.get(i), "and " + previous + " are both " + canonical);
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = stored.get(e.getKey());
            if (name == null) {
                String want = layout == Layout.ORIGINAL ? "the original-layout name of " + e.getKey() : e.getKey();
                throw new ModelFormatException(file.source() + ": tensor " + want + " is missing (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            long[] shape = tensors.get(name).shape();
            if (!Arrays.equals(shape, e.getValue())) {
                throw bad(file, name, "has shape " + Arrays.toString(shape) + "; the config needs " + Arrays.toString(e.getValue()));
            }
        }
        return new WanCheckpoint(file, config, layout, prefix, Collections.unmodifiableMap(stored));
    }

    public WanConfig config() {
        return config;
    }

    public Layout layout() {
        return layout;
    }

    /** {@code model.diffusion_model.} or empty. */
    public String prefix() {
        return prefix;
    }

    /** The stored dtype of each tensor under its diffusers name (e.g. for a report). */
    public String dtype(String diffusersName) {
        return file.dtype(storedName(diffusersName)).name();
    }

    /** Tensor {@code diffusersName} widened to fp32 (row-major, its stored shape). */
    public float[] floats(String diffusersName) {
        return file.floats(storedName(diffusersName));
    }

    private String storedName(String diffusersName) {
        String name = stored.get(diffusersName);
        if (name == null) throw new IllegalArgumentException("no tensor " + diffusersName + " in this transformer");
        return name;
    }

    @Override
    public void close() {
        file.close();
    }

    private static ModelFormatException bad(SafetensorsCheckpoint file, String tensor, String what) {
        return new ModelFormatException(file.file(tensor).path().getFileName() + ": tensor " + tensor + " " + what);
    }
}
