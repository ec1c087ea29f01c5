package io.tilewise.pipeline.run;

import java.util.Locale;

/**
 * Host↔device traffic of one generation at the stage/attention boundary, in bytes: what the ONNX Runtime stages
 * moved (CUDA provider: every stage input in, every output back) and what the attention sessions moved (a device
 * backend: q, k, v in, out back, plus per-call plans). {@code attentionCopyNanos} is the device's own account of
 * the attention copies (0 when the backend does not report it); stage copies are inside the stage time.
 */
public record Transfers(long stageHostToDevice, long stageDeviceToHost, long attentionHostToDevice,
                        long attentionDeviceToHost, long attentionCopyNanos) {

    public static final Transfers NONE = new Transfers(0, 0, 0, 0, 0);

    public long totalBytes() {
        return stageHostToDevice + stageDeviceToHost + attentionHostToDevice + attentionDeviceToHost;
    }

    @Override
    public String toString() {
        if (totalBytes() == 0) return "copies: none (stages and attention on the host)";
        return String.format(Locale.ROOT, "copies: stages %.1f MB to device, %.1f MB back; attention %.1f MB to device, "
                        + "%.1f MB back, %.1f ms", stageHostToDevice / 1e6, stageDeviceToHost / 1e6,
                attentionHostToDevice / 1e6, attentionDeviceToHost / 1e6, attentionCopyNanos / 1e6);
    }
}
