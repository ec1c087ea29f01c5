package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How many leading batch items a model's ORT stages run now, over buffers sized for the whole batch: a step that
 * needs the conditional CFG branch alone runs the stages at batch 1 on the first item's memory (no copy). Tensors for
 * fewer items are made on first use and kept until {@link #close}.
 */
public final class BatchItems implements AutoCloseable {

    private final OrtEnvironment env;
    private final int batch;
    private final Map<OrtBuffers.Floats, OrtBuffers.Floats[]> views = new IdentityHashMap<>();
    private int items;

    public BatchItems(OrtEnvironment env, int batch) {
        this.env = env;
        this.batch = batch;
        this.items = batch;
    }

    /** Runs the following stages on the first {@code count} items; {@code count} is clamped to the batch. */
    public void limit(int count) {
        if (count < 1) throw new IllegalArgumentException(count + " batch items; at least 1");
        items = Math.min(count, batch);
    }

    /** Runs the following stages on every item. */
    public void all() {
        items = batch;
    }

    public int items() {
        return items;
    }

    /** {@code buffer} ({@code [batch, …]}) as a tensor of the items the stages run now. */
    public OnnxTensor of(OrtBuffers.Floats buffer) {
        if (items == batch) return buffer.tensor();
        OrtBuffers.Floats[] byCount = views.computeIfAbsent(buffer, b -> new OrtBuffers.Floats[batch]);
        if (byCount[items] == null) byCount[items] = OrtBuffers.leading(env, buffer, items);
        return byCount[items].tensor();
    }

    @Override
    public void close() {
        for (OrtBuffers.Floats[] byCount : views.values()) {
            for (OrtBuffers.Floats f : byCount) if (f != null) f.close();
        }
        views.clear();
    }
}
