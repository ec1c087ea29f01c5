package io.tilewise.wan.scheduler;

import io.tilewise.pipeline.model.ModelFormatException;

import java.util.Arrays;

/**
 * diffusers' {@code UniPCMultistepScheduler} as Wan2.1 configures it: flow sigmas with a static {@code flow_shift},
 * flow prediction converted to x0 ({@code predict_x0}), B(h) predictor-corrector of {@code solver_order} (bh1/bh2),
 * {@code lower_order_final}, {@code disable_corrector}.
 *
 * <p>What is easy to get wrong, all kept as diffusers does it:
 * <ul>
 *   <li>Sigmas are built in float64 ({@code linspace(1, 1/N, n+1)[:-1]}, shifted), the first one pulled from 1 to
 *       {@code 1 − 1e-6} (so log α stays finite), then stored as <em>float32</em>; every step reads the float32 values.
 *       At step 0 this makes α = 1 − σ ≈ 1.0133e-6, not 1e-6: 1.3% apart, and it feeds the order-2 ratios.</li>
 *   <li>Timesteps are {@code σ·N} from the float64 sigmas, <em>truncated</em> to int64 (999.999 → 999): the model sees
 *       whole numbers.</li>
 *   <li>The final sigma is 0 ({@code final_sigmas_type zero}), so the last step's λ is +∞ and its update is the x0
 *       prediction itself; {@code lower_order_final} keeps that step first order so no ratio divides by ∞.</li>
 *   <li>The multistep history (x0 predictions, the last sample) holds float32 tensors, as in diffusers, and every
 *       step returns float32.</li>
 * </ul>
 *
 * <p>Between those stored values the arithmetic is float64. diffusers computes the per-step scalars and the update in
 * float32 torch ops whose rounding (log/expm1 kernels, einsum order, LAPACK's solve) cannot be replayed op for op;
 * measured against the float64 reference, float32 arithmetic drifts by 2e-6 (order 2) to 4e-5 (order 3) over 50
 * steps, float64 stays at float32 storage precision. The float32 <em>storage</em> is what moves results (7e-6 after
 * 6 steps for the sigma table alone), and it is kept.
 */
public final class UniPcScheduler implements WanScheduler {

    private final SchedulerConfig config;
    private final int order;
    private float[] timesteps;
    private float[] sigmas;
    /** The last {@code order} converted model outputs (x0 predictions), oldest first; null until filled. */
    private float[][] modelOutputs;
    private int lowerOrderNums;
    private int thisOrder;
    private float[] lastSample;
    private int stepIndex;

    public UniPcScheduler(SchedulerConfig config) {
        if (!config.className().equals(SchedulerConfig.UNIPC)) {
            throw new ModelFormatException("scheduler config is " + config.className() + "; the unipc scheduler needs a "
                    + SchedulerConfig.UNIPC + " config");
        }
        this.config = config;
        this.order = config.solverOrder();
    }

    @Override
    public void setTimesteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
        int train = config.numTrainTimesteps();
        double shift = config.flowShift();
        double[] grid = Linspace.of(1, 1.0 / train, steps + 1);
        double[] s = new double[steps];
        for (int i = 0; i < steps; i++) s[i] = shift * grid[i] / (1 + (shift - 1) * grid[i]);
        if (Math.abs(s[0] - 1) < 1e-6) s[0] -= 1e-6;
        timesteps = new float[steps];
        sigmas = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = (long) (s[i] * train);
            sigmas[i] = (float) s[i];
        }
        sigmas[steps] = config.finalSigmasType().equals("zero") ? 0f : (float) s[steps - 1];
        modelOutputs = new float[order][];
        lowerOrderNums = 0;
        thisOrder = 0;
        lastSample = null;
        stepIndex = 0;
    }

    @Override
    public float[] timesteps() {
        return requireSchedule().clone();
    }

    @Override
    public float[] sigmas() {
        requireSchedule();
        return sigmas.clone();
    }

    @Override
    public int stepIndex() {
        return stepIndex;
    }

    @Override
    public float[] step(float[] modelOutput, float timestep, float[] sample) {
        StepChecks.check(requireSchedule(), stepIndex, timestep, modelOutput, sample);
        boolean useCorrector = stepIndex > 0 && !config.disableCorrector().contains(stepIndex - 1) && lastSample != null;

        // Flow prediction → x0: sample − σ·v.
        double sigma = sigmas[stepIndex];
        float[] x0 = new float[sample.length];
        for (int i = 0; i < x0.length; i++) x0[i] = (float) (sample[i] - sigma * modelOutput[i]);

        // The history keeps its own copy: callers may reuse their latents array.
        sample = useCorrector ? correct(x0, lastSample, thisOrder) : sample.clone();

        System.arraycopy(modelOutputs, 1, modelOutputs, 0, order - 1);
        modelOutputs[order - 1] = x0;

        int wanted = config.lowerOrderFinal() ? Math.min(order, timesteps.length - stepIndex) : order;
        thisOrder = Math.min(wanted, lowerOrderNums + 1);
        lastSample = sample;
        float[] next = predict(sample, thisOrder);
        if (lowerOrderNums < order) lowerOrderNums++;
        stepIndex++;
        return next;
    }

    /** UniP: the predictor from sigma[i] to sigma[i+1] with the stored x0 predictions. */
    private float[] predict(float[] x, int p) {
        float[] m0 = modelOutputs[order - 1];
        Coefficients c = coefficients(stepIndex + 1, stepIndex, p);
        double[] rhos = null;
        if (p == 2) rhos = new double[] {0.5};
        else if (p > 2) rhos = solve(c.r, c.b, p - 1);
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            double value = c.sigmaRatio * x[i] - c.alphaPhi * m0[i];
            if (rhos != null) value -= c.alphaB * weighted(rhos, c.rks, m0, i, p - 1);
            out[i] = (float) value;
        }
        return out;
    }

    /** UniC: corrects the sample the last predictor made, using this step's x0 prediction. */
    private float[] correct(float[] modelT, float[] x, int p) {
        float[] m0 = modelOutputs[order - 1];
        Coefficients c = coefficients(stepIndex, stepIndex - 1, p);
        double[] rhos = p == 1 ? new double[] {0.5} : solve(c.r, c.b, p);
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            double prediction = c.sigmaRatio * x[i] - c.alphaPhi * m0[i];
            double res = rhos[p - 1] * ((double) modelT[i] - m0[i]);
            if (p > 1) res += weighted(rhos, c.rks, m0, i, p - 1);
            out[i] = (float) (prediction - c.alphaB * res);
        }
        return out;
    }

    /** Σ_k ρ_k·D1_k at element i, with D1_k = (m_k − m0)/r_k over the older x0 predictions. */
    private double weighted(double[] rhos, double[] rks, float[] m0, int i, int count) {
        double sum = 0;
        for (int k = 1; k <= count; k++) {
            double d1 = ((double) modelOutputs[order - 1 - k][i] - m0[i]) / rks[k - 1];
            sum += rhos[k - 1] * d1;
        }
        return sum;
    }

    /** The scalars of one B(h) update from sigma[s0] to sigma[t]; the older points are s0−1, s0−2, …. */
    private record Coefficients(double sigmaRatio, double alphaPhi, double alphaB, double[] rks, double[][] r, double[] b) {
    }

    private Coefficients coefficients(int t, int s0, int p) {
        double sigmaT = sigmas[t], sigmaS0 = sigmas[s0];
        double alphaT = 1 - sigmaT, alphaS0 = 1 - sigmaS0;
        // σ = 0 (the last step) gives λ = +∞, h = +∞, expm1(−h) = −1: the update becomes the x0 prediction.
        double lambdaT = Math.log(alphaT) - Math.log(sigmaT);
        double lambdaS0 = Math.log(alphaS0) - Math.log(sigmaS0);
        double h = lambdaT - lambdaS0;
        double[] rks = new double[p];
        for (int k = 1; k < p; k++) {
            double sigmaSi = sigmas[s0 - k];
            rks[k - 1] = (Math.log(1 - sigmaSi) - Math.log(sigmaSi) - lambdaS0) / h;
        }
        rks[p - 1] = 1;
        double hh = -h;
        double hPhi1 = Math.expm1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bH = config.solverType().equals("bh1") ? hh : Math.expm1(hh);
        double[][] r = new double[p][p];
        double[] b = new double[p];
        double factorial = 1;
        for (int i = 1; i <= p; i++) {
            for (int k = 0; k < p; k++) r[i - 1][k] = Math.pow(rks[k], i - 1);
            b[i - 1] = hPhiK * factorial / bH;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return new Coefficients(sigmaT / sigmaS0, alphaT * hPhi1, alphaT * bH, rks, r, b);
    }

    /** Solves the leading n×n block of R·ρ = b by elimination with partial pivoting. */
    static double[] solve(double[][] rFull, double[] bFull, int n) {
        double[][] a = new double[n][];
        double[] y = Arrays.copyOf(bFull, n);
        for (int i = 0; i < n; i++) a[i] = Arrays.copyOf(rFull[i], n);
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) pivot = row;
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            double t = y[col];
            y[col] = y[pivot];
            y[pivot] = t;
            for (int row = col + 1; row < n; row++) {
                double factor = a[row][col] / a[col][col];
                for (int k = col; k < n; k++) a[row][k] -= factor * a[col][k];
                y[row] -= factor * y[col];
            }
        }
        double[] x = new double[n];
        for (int row = n - 1; row >= 0; row--) {
            double s = y[row];
            for (int k = row + 1; k < n; k++) s -= a[row][k] * x[k];
            x[row] = s / a[row][row];
        }
        return x;
    }

    private float[] requireSchedule() {
        if (timesteps == null) throw new IllegalStateException("setTimesteps has not been called");
        return timesteps;
    }
}
