package io.tilewise.pipeline.stepcache;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The step cache of one CFG branch over one denoising segment: decides per step whether the blocks after the first
 * {@code first} run, and what a skipped step adds instead. Plain float arrays in, so the decisions can be replayed on
 * recorded residuals.
 */
public final class BranchCache {

    /** A computed step's residual of the remaining blocks. */
    private record Computed(int step, float[] residual) {
    }

    private final StepCachePolicy policy;
    private final int steps;
    private final double[] ratios;
    private final Deque<Computed> history = new ArrayDeque<>();
    private float[] lastFirst;
    private int skippedInRow;
    private double accumulatedRatio = 1;
    private double accumulatedError;
    private double lastCriterion = Double.NaN;

    /**
     * @param ratios magcache: the plan's magnitude ratio per step of this segment (null for the other caches)
     */
    public BranchCache(StepCachePolicy policy, int steps, double[] ratios) {
        this.policy = policy;
        this.steps = steps;
        this.ratios = ratios;
    }

    /**
     * Whether step {@code step} skips the remaining blocks. {@code firstResidual} is the first blocks' residual of this
     * step (null when {@code first} is 0). A step that returns false must be followed by {@link #computed}.
     */
    public boolean skip(int step, float[] firstResidual) {
        lastCriterion = Double.NaN;
        if (history.isEmpty() || policy.dense(step, steps)) return compute();
        if (policy.interval() > 0) {
            // the schedule alone decides: a step this branch sat out (CFG reuse) must not count as a skip in a row
            if (policy.scheduled(step, steps)) return compute();
            skippedInRow++;
            return true;
        }
        if (skippedInRow >= policy.maxSkip()) return compute();
        boolean skip = switch (policy.kind()) {
            case NONE -> false;
            case FBCACHE, TAYLOR -> {
                lastCriterion = relativeL1(firstResidual, lastFirst);
                yield lastCriterion < policy.threshold();
            }
            case MAGCACHE -> {
                accumulatedRatio *= ratios[step];
                accumulatedError += Math.abs(1 - accumulatedRatio);
                lastCriterion = accumulatedError;
                yield accumulatedError < policy.threshold();
            }
        };
        if (!skip) return compute();
        skippedInRow++;
        return true;
    }

    private boolean compute() {
        skippedInRow = 0;
        accumulatedRatio = 1;
        accumulatedError = 0;
        return false;
    }

    /** Records a computed step: its first blocks' residual (may be null) and the remaining blocks' residual. */
    public void computed(int step, float[] firstResidual, float[] restResidual) {
        lastFirst = firstResidual == null ? null : firstResidual.clone();
        history.addLast(new Computed(step, restResidual.clone()));
        int keep = policy.kind() == StepCachePolicy.Kind.TAYLOR ? policy.order() + 1 : 1;
        while (history.size() > keep) history.removeFirst();
    }

    /**
     * What skipped step {@code step} adds to the first blocks' output: the last computed residual, or (taylor) its
     * Newton extrapolation through the last computed steps (as many as there are, up to order + 1).
     */
    public float[] residual(int step) {
        Computed[] h = history.toArray(Computed[]::new);
        int k = h.length - 1;
        float[] last = h[k].residual();
        if (policy.kind() != StepCachePolicy.Kind.TAYLOR || k == 0) return last;
        int n = last.length;
        float[] out = new float[n];
        double s = step;
        double s0 = h[k].step(), s1 = h[k - 1].step();
        boolean second = policy.order() >= 2 && k >= 2;
        double s2 = second ? h[k - 2].step() : 0;
        float[] r0 = last, r1 = h[k - 1].residual(), r2 = second ? h[k - 2].residual() : null;
        for (int i = 0; i < n; i++) {
            double d01 = (r0[i] - (double) r1[i]) / (s0 - s1);
            double v = r0[i] + (s - s0) * d01;
            if (second) {
                double d12 = (r1[i] - (double) r2[i]) / (s1 - s2);
                v += (s - s0) * (s - s1) * (d01 - d12) / (s0 - s2);
            }
            out[i] = (float) v;
        }
        return out;
    }

    /** The last decision's criterion (relative L1 change or accumulated magcache error); NaN when none was evaluated. */
    public double lastCriterion() {
        return lastCriterion;
    }

    /** Relative L1 change {@code Σ|a − b| / Σ|b|} in double. */
    public static double relativeL1(float[] a, float[] b) {
        double diff = 0, base = 0;
        for (int i = 0; i < a.length; i++) {
            diff += Math.abs((double) a[i] - b[i]);
            base += Math.abs((double) b[i]);
        }
        return base == 0 ? (diff == 0 ? 0 : Double.POSITIVE_INFINITY) : diff / base;
    }
}
