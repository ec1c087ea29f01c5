package io.tilewise.attention.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorExpTest {

    private static float exp2(float x) {
        return VectorExp.exp2NonPositive(FloatVector.broadcast(FlashTile.SPECIES, x)).lane(0);
    }

    @Test
    void exp2IsAccurateOverTheSoftmaxRange() {
        double worst = 0;
        for (int i = 0; i <= 2_000_000; i++) {
            float x = -126f * i / 2_000_000;
            double expected = Math.pow(2, x);
            worst = Math.max(worst, Math.abs(exp2(x) / expected - 1));
        }
        assertTrue(worst < 3e-7, "worst relative error " + worst);
    }

    @Test
    void exp2IsExactAtIntegersAndZeroBelowTheRange() {
        assertEquals(1f, exp2(0f));
        assertEquals(1f, exp2(-0f));
        assertEquals(0.5f, exp2(-1f));
        assertEquals(0x1p-100f, exp2(-100f));
        assertEquals(0f, exp2(-127f));
        assertEquals(0f, exp2(-1000f));
        assertEquals(0f, exp2(Float.NEGATIVE_INFINITY));
    }

    @Test
    void expMatchesMathExp() {
        double worst = 0;
        for (int i = 0; i <= 200_000; i++) {
            float x = -80f + 160f * i / 200_000;
            float got = VectorExp.exp(FloatVector.broadcast(FlashTile.SPECIES, x)).lane(0);
            worst = Math.max(worst, Math.abs(got / Math.exp(x) - 1));
        }
        assertTrue(worst < 3e-7, "worst relative error " + worst);
        assertEquals(0f, VectorExp.exp(FloatVector.broadcast(FlashTile.SPECIES, Float.NEGATIVE_INFINITY)).lane(0));
    }
}
