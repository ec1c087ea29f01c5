package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;

import java.util.Map;

/**
 * Host↔device bytes of stage runs. Stage tensors live in host memory (direct buffers shared with our attention), so
 * on the CUDA provider ORT copies every input to the device and every output back for each run; on the CPU provider
 * nothing crosses. ORT's Java API has no I/O binding to keep tensors on the device between stages, so this is the
 * least the stage/attention boundary needs with stages on CUDA.
 */
public final class StageTransfers {

    private final boolean onDevice;
    private long hostToDevice;
    private long deviceToHost;

    public StageTransfers(StageDevice device) {
        this.onDevice = device == StageDevice.CUDA;
    }

    /** Counts one run with these pinned inputs and outputs. */
    public void add(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs) {
        if (!onDevice) return;
        for (OnnxTensor t : inputs.values()) hostToDevice += bytes(t);
        for (OnnxTensor t : outputs.values()) deviceToHost += bytes(t);
    }

    public long hostToDevice() {
        return hostToDevice;
    }

    public long deviceToHost() {
        return deviceToHost;
    }

    static long bytes(OnnxTensor t) {
        return t.getInfo().getNumElements() * (long) t.getInfo().type.size;
    }
}
