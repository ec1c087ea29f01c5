package io.tilewise.pipeline.run;

/**
 * The contract's flow-matching Euler sampler: times {@code u_s = 1 − s/S}, shifted
 * {@code t = shift·u / (1 + (shift − 1)·u)}, update {@code x ← x + (t_{s+1} − t_s)·v̂} (t = 1 is pure noise).
 */
public final class FlowMatchEuler {

    private FlowMatchEuler() {
    }

    /** {@code t_0 .. t_S}: S + 1 values from 1 down to 0. */
    public static double[] times(int steps, double shift) {
        if (steps < 1) throw new IllegalArgumentException("steps " + steps + " must be >= 1");
        if (!(shift > 0)) throw new IllegalArgumentException("shift " + shift + " must be > 0");
        double[] t = new double[steps + 1];
        for (int s = 0; s <= steps; s++) {
            double u = 1 - (double) s / steps;
            t[s] = shift * u / (1 + (shift - 1) * u);
        }
        return t;
    }

    /** {@code x += dt·v}. */
    public static void step(float[] x, float[] v, double dt) {
        float d = (float) dt;
        for (int i = 0; i < x.length; i++) x[i] += d * v[i];
    }

    /** Classifier-free guidance {@code v_uncond + guidance·(v_cond − v_uncond)} into {@code out}. */
    public static void guide(float[] cond, int condOffset, float[] uncond, int uncondOffset, double guidance, float[] out) {
        float g = (float) guidance;
        for (int i = 0; i < out.length; i++) {
            float u = uncond[uncondOffset + i];
            out[i] = u + g * (cond[condOffset + i] - u);
        }
    }
}
