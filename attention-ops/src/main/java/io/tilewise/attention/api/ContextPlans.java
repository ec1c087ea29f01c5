package io.tilewise.attention.api;

import io.tilewise.attention.tensor.Tensor;

/**
 * The capability of a method whose plan is fixed per call context but not for the whole run (PARO: per timestep
 * group and layer from a plan file, or per layer and CFG branch when calibrated on the first call's inputs), with
 * per-head token orders, for one shape. Residual reuse refreshes when the key changes; a device backend keeps one
 * device plan per key.
 */
public interface ContextPlans {

    /** Calls with equal keys run the same plan. */
    String key(AttentionContext ctx);

    /** Whether a key's plan is only known from the inputs of its first call (self-calibration). */
    boolean fromInputs();

    /**
     * The plan of {@code ctx}'s key with its per-head orders ({@link TilePlan#fixed()} is false: it holds for the
     * key only); {@code q, k} (layout order) and {@code scale} are read only when {@link #fromInputs()}.
     *
     * @throws IllegalArgumentException when the context is outside what the method's plans cover (e.g. a layer)
     */
    TilePlan plan(AttentionContext ctx, Tensor q, Tensor k, float scale);
}
