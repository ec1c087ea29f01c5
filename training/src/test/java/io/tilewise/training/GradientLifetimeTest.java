package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression test: DJL's scalar ops ({@code mul(Number)}, {@code pow(Number)}, ...) free the scalar's buffer right
 * after the forward op while autograd still holds it for the backward pass; the forward must therefore keep its
 * constants alive. Garbage collection plus junk-filled direct buffers between forward and backward would otherwise
 * change (or NaN) the gradients.
 */
class GradientLifetimeTest {

    private static final ModelConfig CFG = TinyConfigs.testSized();

    @Test
    void gradientsDoNotDependOnGarbageCollectionBetweenForwardAndBackward() {
        Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
        FlowMatching.Batch batch = FlowMatching.batch(CFG, tok, new SyntheticVideos(2), 0, 2, 2, 8, 8, 0, new Random(5));
        Map<String, float[]> values = TinyDit.initialValues(CFG, 3);
        Random r = new Random(4);
        values.replaceAll((k, a) -> {
            float[] b = a.clone();
            for (int i = 0; i < b.length; i++) {
                b[i] += (float) (0.1 * r.nextGaussian());
            }
            return b;
        });
        Map<String, float[]> quiet = gradients(values, batch, false);
        Map<String, float[]> churned = gradients(values, batch, true);
        for (String k : quiet.keySet()) {
            for (float g : churned.get(k)) {
                assertTrue(Float.isFinite(g), k);
            }
            assertArrayEquals(quiet.get(k), churned.get(k), 1e-6f, k);
        }
    }

    private static Map<String, float[]> gradients(Map<String, float[]> values, FlowMatching.Batch batch, boolean churn) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, values, root, true);
            try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
                scope.suppressNotUsedWarning();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    Shape shape = new Shape(batch.batch(), batch.tokens(), CFG.patchSize());
                    NDArray pred = model.forward(m.create(batch.noisy(), shape), batch.t(), batch.ids(), batch.mask(),
                            batch.gf(), batch.gh(), batch.gw());
                    NDArray loss = pred.sub(m.create(batch.target(), shape)).square().mean();
                    if (churn) {
                        churnNativeMemory();
                    }
                    gc.backward(loss);
                }
                model.parameters().forEach((k, p) -> out.put(k, p.getGradient().toFloatArray()));
            }
        }
        return out;
    }

    /** Collects garbage (freeing unreferenced direct buffers) and refills native memory with NaN bit patterns. */
    private static void churnNativeMemory() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, Float.NaN);
                junk.add(b);
            }
            junk.clear();
        }
    }
}
