package io.tilewise.pipeline.family;

import io.tilewise.pipeline.onnx.StageDevice;

/**
 * How a model's ONNX Runtime stages run.
 *
 * @param threads ORT intra-op threads (the pipeline gives our attention kernels the same count, so the two never
 *                oversubscribe the cores)
 * @param device  where the stages run ({@code cuda} falls back to the CPU, saying why)
 */
public record StageOptions(int threads, StageDevice device) {

    public StageOptions {
        if (threads < 1) throw new IllegalArgumentException("stage threads " + threads + " must be >= 1");
        if (device == null) device = StageDevice.CPU;
    }
}
