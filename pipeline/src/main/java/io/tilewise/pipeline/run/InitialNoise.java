package io.tilewise.pipeline.run;

import java.util.Arrays;

/**
 * Initial latents given by the caller instead of seeded noise (e.g. the {@code z0} a PyTorch run drew), in the model's
 * own layout: {@code shape} as the model's reference implementation holds its latents, {@code values} row-major.
 */
public record InitialNoise(int[] shape, float[] values) {

    public InitialNoise {
        shape = shape.clone();
        long count = 1;
        for (int s : shape) {
            if (s < 1) throw new IllegalArgumentException("initial noise shape " + Arrays.toString(shape) + " has an empty axis");
            count *= s;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("initial noise holds " + values.length + " values; shape " + Arrays.toString(shape)
                    + " needs " + count);
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "InitialNoise" + Arrays.toString(shape);
    }
}
