package io.tilewise.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, bias-corrected moments) with global-norm gradient clipping, written with
 * in-place NDArray ops so the moments live next to the parameters. Weight decay skips 1-D parameters (biases, norm
 * weights) and the embeddings/modulations, as is usual.
 */
final class AdamW {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clipNorm;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;

    AdamW(Map<String, NDArray> params, NDManager manager, double beta1, double beta2, double eps,
          double weightDecay, double clipNorm) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        params.forEach((name, p) -> {
            m.put(name, manager.zeros(p.getShape()));
            v.put(name, manager.zeros(p.getShape()));
        });
    }

    long step() {
        return step;
    }

    /**
     * One update at learning rate {@code lr}; returns the gradient norm before clipping. Must run outside the
     * gradient collector (in-place updates of leaves) and zeroes the gradients afterwards (PyTorch accumulates).
     */
    double update(Map<String, NDArray> params, double lr) {
        double sq = 0;
        for (NDArray p : params.values()) {
            sq += p.getGradient().square().sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            StringBuilder bad = new StringBuilder();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();
                long nan = g.isNaN().sum().getLong();
                long inf = g.isInfinite().sum().getLong();
                if (nan + inf > 0 && bad.length() < 600) {
                    bad.append(' ').append(e.getKey()).append("(nan ").append(nan).append(", inf ").append(inf).append(')');
                }
            }
            System.err.println("  non-finite gradients:" + bad);
            clearGradients(params);   // a non-finite gradient would poison the moments: skip this update
            return norm;
        }
        double clip = norm > clipNorm && clipNorm > 0 ? clipNorm / norm : 1.0;
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = p.getGradient();
            if (clip != 1.0) {
                g.muli((float) clip);
            }
            NDArray mm = m.get(e.getKey());
            NDArray vv = v.get(e.getKey());
            mm.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            vv.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            if (decays(e.getKey(), p)) {
                p.muli((float) (1 - lr * weightDecay));
            }
            NDArray denom = vv.div((float) c2).sqrt().addi((float) eps);
            p.subi(mm.div((float) c1).divi(denom).muli((float) lr));
            g.muli(0f);
        }
        return norm;
    }

    /** Overwrites every gradient with zeros (unlike {@code muli(0)}, this also clears NaN and ±∞). */
    static void clearGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            p.getGradient().set(new float[Math.toIntExact(p.getShape().size())]);
        }
    }

    /** Zeroes every gradient (PyTorch accumulates them across backward passes). */
    static void zeroGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            p.getGradient().muli(0f);
        }
    }

    private static boolean decays(String name, NDArray p) {
        return p.getShape().dimension() >= 2 && !name.endsWith("modulation") && !name.startsWith("text.embed")
                && !name.startsWith("text.pos");
    }

    /** Optimizer state for a checkpoint: {@code adam_m.<name>}, {@code adam_v.<name>}. */
    Map<String, Safetensors.Tensor> state() {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("adam_m." + k, new Safetensors.Tensor(a.getShape().getShape(), a.toFloatArray())));
        v.forEach((k, a) -> out.put("adam_v." + k, new Safetensors.Tensor(a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    /** Restores {@link #state()} and the step count. */
    void restore(Map<String, Safetensors.Tensor> state, long steps) {
        m.forEach((k, a) -> a.set(state.get("adam_m." + k).data()));
        v.forEach((k, a) -> a.set(state.get("adam_v." + k).data()));
        this.step = steps;
    }
}
