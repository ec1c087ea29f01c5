package io.tilewise.pipeline.onnx;

import java.util.Locale;

/**
 * Where the ONNX Runtime stage sessions run: {@code cpu} (ORT's default provider) or {@code cuda} (ORT's CUDA
 * execution provider; needs the {@code onnxruntime_gpu} jar, built with {@code mvn -P cuda}, and CUDA + cuDNN
 * on the machine — without them the stages fall back to the CPU, see {@link StageProvider}).
 */
public enum StageDevice {
    CPU, CUDA;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code cpu|cuda} (any case).
     *
     * @throws IllegalArgumentException one line naming the value and the allowed ones
     */
    public static StageDevice parse(String text) {
        if (text != null) {
            for (StageDevice d : values()) {
                if (d.id().equalsIgnoreCase(text.strip())) return d;
            }
        }
        throw new IllegalArgumentException("device '" + text + "' is not one of cpu, cuda");
    }
}
