package io.tilewise.pipeline.report;

import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.quality.VideoQuality;

/**
 * One method of a comparison against dense: its runs, frame quality, what its clip shows, speedups and the
 * diagnosis against the goal.
 *
 * @param adheres               whether the clip shows the prompt's color and direction (null: the prompt is not in the
 *                              model's words)
 * @param adherenceMatchesDense whether the clip reads as the same color and direction as dense's clip
 * @param speedup               dense wall time / method wall time (medians, without plan building)
 * @param attentionSpeedup      dense attention time / method attention time
 */
public record MethodOutcome(PolicyRun run, VideoQuality quality, ClipReading reading, Boolean adheres,
                            boolean adherenceMatchesDense, double speedup, double attentionSpeedup, Diagnosis diagnosis) {
}
