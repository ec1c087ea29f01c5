package io.tilewise.pipeline.run;

import io.tilewise.attention.api.Branch;

/** One self-attention call of a generation: where it ran, which method, its executed density and time. */
public record AttentionCall(int step, int layer, Branch branch, String spec, double executedDensity, long nanos) {
}
