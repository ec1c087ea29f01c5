package io.tilewise.wan.scheduler;

import io.tilewise.wan.reference.Errors;
import io.tilewise.wan.reference.SchedulerReference;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UniPcSchedulerTest {

    static SchedulerConfig config(double shift, int order, String type, boolean lowerOrderFinal, List<Integer> disable,
                                  String finalType) {
        return new SchedulerConfig(SchedulerConfig.UNIPC, 1000, shift, 1.0, order, type, lowerOrderFinal, disable,
                finalType, "linspace");
    }

    static SchedulerReference.UniPc reference(SchedulerConfig c) {
        return new SchedulerReference.UniPc(c.numTrainTimesteps(), c.flowShift(), c.solverOrder(), c.solverType(),
                c.lowerOrderFinal(), c.disableCorrector(), c.finalSigmasType());
    }

        @Test
    void wanScheduleHasTruncatedTimestepsAndAFloat32FirstSigma() {
        UniPcScheduler s = new UniPcScheduler(SchedulerConfig.wanUniPc(3.0));
        s.setTimesteps(3);
        // numpy: linspace(1, 0.001, 4)[:-1] shifted by 3 → 0.999999 (pulled off 1), 0.8573265, 0.6007194; ×1000 truncated.
        assertArrayEquals(new float[] {999, 857, 600}, s.timesteps());
        float[] sigmas = s.sigmas();
        assertEquals(4, sigmas.length);
        assertEquals((float) 0.999999, sigmas[0]);
        assertEquals(0f, sigmas[3]);
        assertEquals(0.8573265f, sigmas[1], 1e-7f);
        // The float32 storage makes the first α 1.0133e-6, not 1e-6.
        assertEquals(1.0132789611816406e-06, 1f - sigmas[0], 0);
    }

    @Test
    void scheduleAgreesWithReference() {
        for (double shift : new double[] {1.0, 3.0, 5.0}) {
            for (int n : new int[] {1, 2, 3, 7, 20, 50, 100}) {
                for (String finalType : new String[] {"zero", "sigma_min"}) {
                    SchedulerConfig c = config(shift, 2, "bh2", true, List.of(), finalType);
                    UniPcScheduler s = new UniPcScheduler(c);
                    s.setTimesteps(n);
                    SchedulerReference.UniPc r = reference(c);
                    r.setTimesteps(n);
                    float[] t = s.timesteps();
                    float[] sig = s.sigmas();
                    for (int i = 0; i < n; i++) assertEquals(r.timesteps[i], t[i], 0, "timestep " + i + " n=" + n);
                    for (int i = 0; i <= n; i++) {
                        assertEquals(r.sigmas64[i], sig[i], Math.ulp((float) r.sigmas64[i]), "sigma " + i + " n=" + n + " shift=" + shift);
                    }
                }
            }
        }
    }

    /** Runs n steps of both on the same random model outputs; returns the worst relative L2 over the steps. */
    static double worstStepError(SchedulerConfig c, int n, long seed, boolean referenceRoundsSigmas) {
        UniPcScheduler s = new UniPcScheduler(c);
        s.setTimesteps(n);
        SchedulerReference.UniPc r = reference(c);
        r.setTimesteps(n);
        if (!referenceRoundsSigmas) r.sigmas = r.sigmas64.clone();
        SplittableRandom rnd = new SplittableRandom(seed);
        int size = 2 * 4 * 3 * 5;
        float[] sample = new float[size];
        for (int i = 0; i < size; i++) sample[i] = (float) rnd.nextGaussian();
        double[] refSample = new double[size];
        for (int i = 0; i < size; i++) refSample[i] = sample[i];
        double worst = 0;
        float[] timesteps = s.timesteps();
        for (int step = 0; step < n; step++) {
            float[] v = new float[size];
            double[] vd = new double[size];
            // A velocity that depends on the sample (as a model's does) plus noise.
            for (int i = 0; i < size; i++) {
                v[i] = (float) (0.8 * sample[i] + rnd.nextGaussian());
                vd[i] = v[i];
            }
            sample = s.step(v, timesteps[step], sample);
            refSample = r.step(vd, r.timesteps[step], refSample);
            worst = Math.max(worst, Errors.relativeL2(sample, refSample));
        }
        assertEquals(n, s.stepIndex());
        return worst;
    }

    @Test
    void stepsAgreeWithReference() {
        List<SchedulerConfig> configs = List.of(
                SchedulerConfig.wanUniPc(3.0),
                SchedulerConfig.wanUniPc(5.0),
                config(3.0, 1, "bh2", true, List.of(), "zero"),
                config(3.0, 3, "bh2", true, List.of(), "zero"),
                config(3.0, 3, "bh1", true, List.of(), "sigma_min"),
                config(3.0, 2, "bh1", true, List.of(1), "sigma_min"),
                config(3.0, 2, "bh2", true, List.of(0, 2), "zero"),
                config(1.0, 2, "bh2", true, List.of(), "sigma_min"),
                config(3.0, 2, "bh2", false, List.of(), "sigma_min"));
        for (SchedulerConfig c : configs) {
            for (int n : new int[] {1, 2, 3, 6, 12, 50}) {
                double err = worstStepError(c, n, 17 + n, true);
                assertTrue(err < 1e-6, c + " n=" + n + ": relative L2 " + err);
            }
        }
    }

    @Test
    void float32SigmaStorageMatters() {
        // The same steps with the sigma table left in float64 move well away from diffusers' result: the check above
        // would catch a scheduler that skipped the float32 storage.
        double err = worstStepError(SchedulerConfig.wanUniPc(3.0), 6, 23, false);
        assertTrue(err > 3e-6, "float64 sigmas differ by only " + err);
    }

    @Test
    void finalStepToSigmaZeroIsTheX0Prediction() {
        // λ at σ = 0 is +∞: h = ∞, expm1(−h) = −1, and the first-order update reduces to x0 = x − σ·v, exactly.
        UniPcScheduler s = new UniPcScheduler(SchedulerConfig.wanUniPc(3.0));
        s.setTimesteps(1);
        float[] x = {1f, -2f, 0.5f, 3f};
        float[] v = {0.25f, 1f, -1f, 0.125f};
        float sigma = s.sigmas()[0];
        float[] out = s.step(v, s.timesteps()[0], x);
        for (int i = 0; i < x.length; i++) assertEquals(x[i] - sigma * v[i], out[i], 0f);
    }

    @Test
    void misuseIsRefused() {
        UniPcScheduler s = new UniPcScheduler(SchedulerConfig.wanUniPc(3.0));
        assertThrows(IllegalStateException.class, () -> s.step(new float[1], 999, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
        s.setTimesteps(1);
        var wrong = assertThrows(IllegalArgumentException.class, () -> s.step(new float[1], 500, new float[1]));
        assertTrue(wrong.getMessage().contains("999"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.step(new float[2], 999, new float[1]));
        s.step(new float[1], 999, new float[1]);
        assertThrows(IllegalStateException.class, () -> s.step(new float[1], 999, new float[1]));
        var euler = new SchedulerConfig(SchedulerConfig.EULER, 1000, 1.0, 3.0, 1, "bh2", true, List.of(), "zero", "linspace");
        assertThrows(IllegalArgumentException.class, () -> new UniPcScheduler(euler));
    }
}
