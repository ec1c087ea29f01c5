package io.tilewise.wan.scheduler;

import io.tilewise.wan.reference.Errors;
import io.tilewise.wan.reference.SchedulerReference;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowMatchEulerSchedulerTest {

    private static double shifted(double shift, double sigma) {
        return shift * sigma / (1 + (shift - 1) * sigma);
    }

    @Test
    void lastSigmaIsShiftedTwiceAsDiffusersDoes() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(1000, 3.0);
        s.setTimesteps(3);
        float[] sigmas = s.sigmas();
        assertEquals(1f, sigmas[0]);
        assertEquals(0f, sigmas[3]);
        double twice = shifted(3, shifted(3, 0.001));
        assertEquals(twice, sigmas[2], 1e-6);
        assertTrue(Math.abs(sigmas[2] - shifted(3, 0.001)) > 1e-3);
        // Timesteps are float32 σ·1000, not whole numbers.
        assertEquals(sigmas[1] * 1000f, s.timesteps()[1]);
        assertTrue(s.timesteps()[1] != Math.rint(s.timesteps()[1]));
    }

    @Test
    void scheduleAgreesWithReference() {
        for (double shift : new double[] {1.0, 3.0, 5.0, 7.5}) {
            for (int n : new int[] {1, 2, 3, 7, 20, 50, 100}) {
                FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(1000, shift);
                s.setTimesteps(n);
                SchedulerReference.Euler r = new SchedulerReference.Euler(1000, shift);
                r.setTimesteps(n);
                float[] sig = s.sigmas();
                float[] t = s.timesteps();
                for (int i = 0; i <= n; i++) {
                    assertEquals(r.sigmas64[i], sig[i], 2 * Math.ulp((float) r.sigmas64[i]), "sigma " + i + " n=" + n + " shift=" + shift);
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(r.timesteps64[i], t[i], 3 * Math.ulp((float) r.timesteps64[i]), "timestep " + i + " n=" + n);
                }
            }
        }
    }

    @Test
    void stepsAgreeWithReference() {
        for (double shift : new double[] {1.0, 3.0, 5.0}) {
            for (int n : new int[] {1, 3, 10}) {
                FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(1000, shift);
                s.setTimesteps(n);
                SchedulerReference.Euler r = new SchedulerReference.Euler(1000, shift);
                r.setTimesteps(n);
                SplittableRandom rnd = new SplittableRandom(n);
                int size = 60;
                float[] x = new float[size];
                double[] xr = new double[size];
                for (int i = 0; i < size; i++) xr[i] = x[i] = (float) rnd.nextGaussian();
                float[] t = s.timesteps();
                for (int step = 0; step < n; step++) {
                    float[] v = new float[size];
                    double[] vd = new double[size];
                    for (int i = 0; i < size; i++) vd[i] = v[i] = (float) (0.8 * x[i] + rnd.nextGaussian());
                    x = s.step(v, t[step], x);
                    xr = r.step(vd, r.timesteps[step], xr);
                    double err = Errors.relativeL2(x, xr);
                    assertTrue(err < 1e-6, "shift " + shift + " n=" + n + " step " + step + ": " + err);
                }
            }
        }
    }

    @Test
    void misuseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FlowMatchEulerScheduler(1000, 0));
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(1000, 3);
        assertThrows(IllegalStateException.class, () -> s.step(new float[1], 1000, new float[1]));
        s.setTimesteps(2);
        assertThrows(IllegalArgumentException.class, () -> s.step(new float[1], 999, new float[1]));
    }
}
