package io.tilewise.wan.transformer;

/**
 * diffusers' {@code Timesteps(freq_dim, flip_sin_to_cos=True, downscale_freq_shift=0)} in fp32, as PyTorch computes
 * it: {@code f_j = exp(−ln(10000)·j / half)} for {@code j < half}, then {@code [cos(t·f), sin(t·f)]} (cosine half first).
 * Every operation is rounded to float like the fp32 tensors it mirrors (the argument {@code t·f} reaches 1000, where
 * its fp32 rounding is visible in the sine).
 */
public final class WanTimestep {

    private WanTimestep() {
    }

    /** {@code [cos(t·f_0..), sin(t·f_0..)]} of width {@code freqDim} for one timestep {@code t} (0–1000). */
    public static float[] sinusoid(float t, int freqDim) {
        int half = freqDim / 2;
        float minusLog = (float) -Math.log(10000.0);
        float[] out = new float[freqDim];
        for (int j = 0; j < half; j++) {
            float exponent = (j * minusLog) / half;
            float frequency = (float) Math.exp(exponent);
            float arg = t * frequency;
            out[j] = (float) Math.cos(arg);
            out[half + j] = (float) Math.sin(arg);
        }
        return out;
    }
}
