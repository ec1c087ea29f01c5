package io.tilewise.pipeline.family;

import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.onnx.StagePrecision;

/**
 * How a model's ONNX Runtime stages run.
 *
 * @param threads ORT intra-op threads (the pipeline gives our attention kernels the same count, so the two never
 *                oversubscribe the cores)
 * @param device  where the stages run ({@code cuda} falls back to the CPU, saying why)
 * @param precision of the weight products, for families that offer int8 (Wan2.1's blocks); others run fp32
 */
public record StageOptions(int threads, StageDevice device, StagePrecision precision) {

    public StageOptions {
        if (threads < 1) throw new IllegalArgumentException("stage threads " + threads + " must be >= 1");
        if (device == null) device = StageDevice.CPU;
        if (precision == null) precision = StagePrecision.FP32;
    }

    public StageOptions(int threads, StageDevice device) {
        this(threads, device, StagePrecision.FP32);
    }
}
