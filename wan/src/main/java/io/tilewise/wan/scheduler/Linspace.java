package io.tilewise.wan.scheduler;

/** numpy's {@code linspace} with its exact float64 arithmetic ({@code start + i·step}, the end point set exactly). */
final class Linspace {

    private Linspace() {
    }

    /** {@code num} points from {@code start} to {@code stop}, both included. */
    static double[] of(double start, double stop, int num) {
        double[] y = new double[num];
        int div = num - 1;
        if (div <= 0) {
            if (num == 1) y[0] = start; // numpy: an undefined step, the single point is start
            return y;
        }
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++) {
            y[i] = step == 0 ? (double) i / div * delta + start : i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }
}
