package io.tilewise.pipeline.run;

/**
 * Wall time of one generation, in nanoseconds. {@code stages}: every ONNX Runtime run (text encoder, embed, block
 * pre/post, head); {@code attention}: our attention forwards; {@code attentionPrepare}: building attention sessions
 * (first use of a (method, shape), cached afterwards); the rest of {@code total} is sampling, copies and setup.
 * {@code transfers}: host↔device bytes at the stage/attention boundary ({@link Transfers#NONE} when everything runs
 * on the host). {@code stepCache}: the step cache's own work (reading, comparing and writing hidden states; 0
 * without one). {@code denoise}: the denoising steps alone (everything of {@code total} but text encoding, setup and
 * the streaming cache passes); 0 where unknown.
 */
public record Timings(long total, long stages, long attention, long attentionPrepare, Transfers transfers, long stepCache,
                      long denoise) {

    public Timings {
        if (transfers == null) transfers = Transfers.NONE;
    }

    /** Timings of a run without a step cache. */
    public Timings(long total, long stages, long attention, long attentionPrepare, Transfers transfers) {
        this(total, stages, attention, attentionPrepare, transfers, 0, 0);
    }

    /** Timings of a run with no device copies. */
    public Timings(long total, long stages, long attention, long attentionPrepare) {
        this(total, stages, attention, attentionPrepare, Transfers.NONE);
    }

    public double attentionShare() {
        return total == 0 ? 0 : (double) attention / total;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "total %.1f ms%s, stages %.1f ms, attention %.1f ms (%.0f %%), attention prepare %.1f ms%s; %s",
                total / 1e6, denoise == 0 ? "" : String.format(java.util.Locale.ROOT, " (denoising %.1f ms)", denoise / 1e6),
                stages / 1e6, attention / 1e6, 100 * attentionShare(), attentionPrepare / 1e6,
                stepCache == 0 ? "" : String.format(java.util.Locale.ROOT, ", step cache %.1f ms", stepCache / 1e6), transfers);
    }
}
