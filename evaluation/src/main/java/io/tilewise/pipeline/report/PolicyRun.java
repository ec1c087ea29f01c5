package io.tilewise.pipeline.report;

import io.tilewise.pipeline.stepcache.StepCacheStats;

import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.run.Timings;
import io.tilewise.pipeline.run.Video;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The runs of one policy in a comparison: its video (from the first timed run; runs are deterministic), the timings
 * of every timed run, its mean executed density and the records of its probed run (empty when not probed).
 */
public record PolicyRun(String policy, String canonicalPolicy, Video video, List<Timings> timings, double executedDensity,
                        List<ProbeRecord> probes, StepCacheStats stepCache) {

    public PolicyRun {
        timings = List.copyOf(timings);
        probes = List.copyOf(probes);
        if (timings.isEmpty()) throw new IllegalArgumentException("a policy run needs at least one timed run");
        if (stepCache == null) stepCache = StepCacheStats.none(0, 0);
    }

    /** A run without a step cache. */
    public PolicyRun(String policy, String canonicalPolicy, Video video, List<Timings> timings, double executedDensity,
                     List<ProbeRecord> probes) {
        this(policy, canonicalPolicy, video, timings, executedDensity, probes, null);
    }

    /**
     * The first timed run's wall time of steps on which no CFG branch ran the blocks after the step cache's first ones,
     * in seconds (0 without a step cache).
     */
    public double skippedStepSeconds() {
        return stepCache.skippedStepNanos() / 1e9;
    }

    /**
     * Median over the timed runs of the wall time without attention session preparation (plan building is a one-off
     * per method and shape, reported apart), in seconds.
     */
    public double seconds() {
        return median(t -> t.total() - t.attentionPrepare());
    }

    public double attentionSeconds() {
        return median(Timings::attention);
    }

    public double stageSeconds() {
        return median(Timings::stages);
    }

    public double prepareSeconds() {
        return timings.getFirst().attentionPrepare() / 1e9;
    }

    /** Share of the wall time spent in self-attention. */
    public double attentionShare() {
        return attentionSeconds() / seconds();
    }

    private double median(ToLongFunction<Timings> f) {
        long[] v = timings.stream().mapToLong(f).sorted().toArray();
        double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
        return m / 1e9;
    }

    @Override
    public String toString() {
        return policy + " " + Arrays.toString(timings.stream().mapToDouble(t -> t.total() / 1e9).toArray()) + " s";
    }
}
