package io.tilewise.wan.transformer;

import io.tilewise.pipeline.run.AttentionCall;

import java.util.List;

/**
 * One transformer forward's output and where its time went.
 *
 * @param velocity       the raw transformer output {@code [B, C_out, F, H, W]}, row-major
 * @param shape          {@code {B, C_out, F, H, W}}
 * @param stageNanos     time in ORT stages (patch, condition, block pre/post, head)
 * @param attentionNanos time in our self-attention
 * @param prepareNanos   time preparing attention sessions (masks, plans) not yet cached
 * @param calls          one record per self-attention call (layer, batch item as branch, method, executed density)
 * @param warnings       a line per call whose non-finite output was recomputed with dense attention ({@code nonfinite=dense})
 */
public record WanForward(float[] velocity, int[] shape, long stageNanos, long attentionNanos, long prepareNanos,
                         List<AttentionCall> calls, List<String> warnings) {

    public WanForward {
        shape = shape.clone();
        calls = List.copyOf(calls);
        warnings = List.copyOf(warnings);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }
}
