package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.Branch;

/**
 * One probed attention call: the method's output against dense attention on the same q, k, v.
 *
 * @param relL2           ‖out − dense‖ / ‖dense‖
 * @param cosine          cosine similarity of out and dense (flattened)
 * @param maskMass        mean over query rows and heads of the dense softmax mass on the pairs the method computes
 *                        exactly (1 = the mask misses nothing; PISA's approximated tiles count as outside)
 * @param minMaskMass     the smallest per-row mass
 * @param executedDensity the method's executed density on this call
 */
public record ProbeRecord(int step, int layer, Branch branch, String spec, double relL2, double cosine,
                          double maskMass, double minMaskMass, double executedDensity) {
}
