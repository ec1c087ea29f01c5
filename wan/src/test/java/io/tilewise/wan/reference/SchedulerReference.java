package io.tilewise.wan.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * float64 second implementations of diffusers' {@code UniPCMultistepScheduler} (flow sigmas, predict_x0, flow
 * prediction) and {@code FlowMatchEulerDiscreteScheduler} (static shift), transliterated statement by statement from
 * {@code scheduling_unipc_multistep.py} and {@code scheduling_flow_match_euler_discrete.py}, keeping their variable
 * names. Where the source stores values in float32 (the sigma table after {@code astype(np.float32)}, torch's float32
 * training sigmas of the Euler constructor) the stored values are rounded the same way; all arithmetic on them is
 * float64. {@code sigmas64} keeps the schedule before any float32 rounding.
 */
public final class SchedulerReference {

    private SchedulerReference() {
    }

    /** numpy.linspace(start, stop, num) with endpoint. */
    static double[] linspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 1) {
            out[0] = start;
            return out;
        }
        for (int i = 0; i < num; i++) out[i] = start + i * ((stop - start) / (num - 1));
        out[num - 1] = stop;
        return out;
    }

    /** UniPCMultistepScheduler with use_flow_sigmas, prediction_type flow_prediction, predict_x0. */
    public static final class UniPc {
        final int numTrainTimesteps;
        final double flowShift;
        final int solverOrder;
        final String solverType;
        final boolean lowerOrderFinal;
        final List<Integer> disableCorrector;
        final String finalSigmasType;

        public double[] sigmas64;
        public double[] sigmas;
        public long[] timesteps;
        int numInferenceSteps;
        double[][] modelOutputs;
        Object[] timestepList;
        int lowerOrderNums;
        Integer stepIndex;
        double[] lastSample;
        int thisOrder;

        public UniPc(int numTrainTimesteps, double flowShift, int solverOrder, String solverType, boolean lowerOrderFinal,
                     List<Integer> disableCorrector, String finalSigmasType) {
            this.numTrainTimesteps = numTrainTimesteps;
            this.flowShift = flowShift;
            this.solverOrder = solverOrder;
            this.solverType = solverType;
            this.lowerOrderFinal = lowerOrderFinal;
            this.disableCorrector = disableCorrector;
            this.finalSigmasType = finalSigmasType;
        }

        public void setTimesteps(int numInferenceSteps) {
            // sigmas = np.linspace(1, 1 / N, n + 1)[:-1]; shifted; first pulled off 1 by eps
            double[] all = linspace(1, 1.0 / numTrainTimesteps, numInferenceSteps + 1);
            double[] sig = new double[numInferenceSteps];
            for (int i = 0; i < numInferenceSteps; i++) sig[i] = flowShift * all[i] / (1 + (flowShift - 1) * all[i]);
            double eps = 1e-6;
            if (Math.abs(sig[0] - 1) < eps) sig[0] -= eps;
            // timesteps = (sigmas * N).copy() → later .to(torch.int64)
            timesteps = new long[numInferenceSteps];
            for (int i = 0; i < numInferenceSteps; i++) timesteps[i] = (long) (sig[i] * numTrainTimesteps);
            double sigmaLast = finalSigmasType.equals("sigma_min") ? sig[numInferenceSteps - 1] : 0;
            sigmas64 = new double[numInferenceSteps + 1];
            sigmas = new double[numInferenceSteps + 1];
            for (int i = 0; i < numInferenceSteps; i++) sigmas64[i] = sig[i];
            sigmas64[numInferenceSteps] = sigmaLast;
            for (int i = 0; i <= numInferenceSteps; i++) sigmas[i] = (float) sigmas64[i]; // .astype(np.float32)
            this.numInferenceSteps = timesteps.length;
            modelOutputs = new double[solverOrder][];
            timestepList = new Object[solverOrder];
            lowerOrderNums = 0;
            lastSample = null;
            stepIndex = 0; // the pipeline calls set_begin_index(0)
        }

        double[] alphaSigma(double sigma) {
            return new double[] {1 - sigma, sigma};
        }

        double[] convertModelOutput(double[] modelOutput, double[] sample) {
            double sigmaT = sigmas[stepIndex];
            double[] x0Pred = new double[sample.length];
            for (int i = 0; i < x0Pred.length; i++) x0Pred[i] = sample[i] - sigmaT * modelOutput[i];
            return x0Pred;
        }

        double[] multistepUniPBhUpdate(double[] modelOutput, double[] sample, int order) {
            double[][] modelOutputList = modelOutputs;
            double[] m0 = modelOutputList[modelOutputList.length - 1];
            double[] x = sample;
            double[] at = alphaSigma(sigmas[stepIndex + 1]);
            double[] as0 = alphaSigma(sigmas[stepIndex]);
            double alphaT = at[0], sigmaT = at[1], alphaS0 = as0[0], sigmaS0 = as0[1];
            double lambdaT = Math.log(alphaT) - Math.log(sigmaT);
            double lambdaS0 = Math.log(alphaS0) - Math.log(sigmaS0);
            double h = lambdaT - lambdaS0;
            List<Double> rks = new ArrayList<>();
            List<double[]> d1s = new ArrayList<>();
            for (int i = 1; i < order; i++) {
                int si = stepIndex - i;
                double[] mi = modelOutputList[modelOutputList.length - (i + 1)];
                double[] asi = alphaSigma(sigmas[si]);
                double lambdaSi = Math.log(asi[0]) - Math.log(asi[1]);
                double rk = (lambdaSi - lambdaS0) / h;
                rks.add(rk);
                double[] d = new double[m0.length];
                for (int j = 0; j < d.length; j++) d[j] = (mi[j] - m0[j]) / rk;
                d1s.add(d);
            }
            rks.add(1.0);
            Bh bh = bh(h, rks, order);
            double[] rhosP = null;
            if (!d1s.isEmpty()) {
                if (order == 2) rhosP = new double[] {0.5};
                else rhosP = solve(bh.r, bh.b, order - 1);
            }
            double[] xT = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                double xT_ = sigmaT / sigmaS0 * x[j] - alphaT * bh.hPhi1 * m0[j];
                double predRes = 0;
                if (rhosP != null) for (int k = 0; k < rhosP.length; k++) predRes += rhosP[k] * d1s.get(k)[j];
                xT[j] = xT_ - alphaT * bh.bH * predRes;
            }
            return xT;
        }

        double[] multistepUniCBhUpdate(double[] thisModelOutput, double[] lastSample, double[] thisSample, int order) {
            double[][] modelOutputList = modelOutputs;
            double[] m0 = modelOutputList[modelOutputList.length - 1];
            double[] x = lastSample;
            double[] modelT = thisModelOutput;
            double[] at = alphaSigma(sigmas[stepIndex]);
            double[] as0 = alphaSigma(sigmas[stepIndex - 1]);
            double alphaT = at[0], sigmaT = at[1], alphaS0 = as0[0], sigmaS0 = as0[1];
            double lambdaT = Math.log(alphaT) - Math.log(sigmaT);
            double lambdaS0 = Math.log(alphaS0) - Math.log(sigmaS0);
            double h = lambdaT - lambdaS0;
            List<Double> rks = new ArrayList<>();
            List<double[]> d1s = new ArrayList<>();
            for (int i = 1; i < order; i++) {
                int si = stepIndex - (i + 1);
                double[] mi = modelOutputList[modelOutputList.length - (i + 1)];
                double[] asi = alphaSigma(sigmas[si]);
                double lambdaSi = Math.log(asi[0]) - Math.log(asi[1]);
                double rk = (lambdaSi - lambdaS0) / h;
                rks.add(rk);
                double[] d = new double[m0.length];
                for (int j = 0; j < d.length; j++) d[j] = (mi[j] - m0[j]) / rk;
                d1s.add(d);
            }
            rks.add(1.0);
            Bh bh = bh(h, rks, order);
            double[] rhosC = order == 1 ? new double[] {0.5} : solve(bh.r, bh.b, order);
            double[] xT = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                double xT_ = sigmaT / sigmaS0 * x[j] - alphaT * bh.hPhi1 * m0[j];
                double corrRes = 0;
                for (int k = 0; k < d1s.size(); k++) corrRes += rhosC[k] * d1s.get(k)[j];
                double d1T = modelT[j] - m0[j];
                xT[j] = xT_ - alphaT * bh.bH * (corrRes + rhosC[rhosC.length - 1] * d1T);
            }
            return xT;
        }

        record Bh(double hPhi1, double bH, double[][] r, double[] b) {
        }

        Bh bh(double h, List<Double> rks, int order) {
            double hh = -h; // predict_x0
            double hPhi1 = Math.expm1(hh);
            double hPhiK = hPhi1 / hh - 1;
            double factorialI = 1;
            double bH = solverType.equals("bh1") ? hh : Math.expm1(hh);
            double[][] r = new double[order][order];
            double[] b = new double[order];
            for (int i = 1; i <= order; i++) {
                for (int k = 0; k < order; k++) r[i - 1][k] = Math.pow(rks.get(k), i - 1);
                b[i - 1] = hPhiK * factorialI / bH;
                factorialI *= i + 1;
                hPhiK = hPhiK / hh - 1 / factorialI;
            }
            return new Bh(hPhi1, bH, r, b);
        }

        public double[] step(double[] modelOutput, long timestep, double[] sample) {
            boolean useCorrector = stepIndex > 0 && !disableCorrector.contains(stepIndex - 1) && lastSample != null;
            double[] modelOutputConvert = convertModelOutput(modelOutput, sample);
            if (useCorrector) sample = multistepUniCBhUpdate(modelOutputConvert, lastSample, sample, thisOrder);
            for (int i = 0; i < solverOrder - 1; i++) {
                modelOutputs[i] = modelOutputs[i + 1];
                timestepList[i] = timestepList[i + 1];
            }
            modelOutputs[solverOrder - 1] = modelOutputConvert;
            timestepList[solverOrder - 1] = timestep;
            int thisOrder = lowerOrderFinal ? Math.min(solverOrder, timesteps.length - stepIndex) : solverOrder;
            this.thisOrder = Math.min(thisOrder, lowerOrderNums + 1);
            lastSample = sample;
            double[] prevSample = multistepUniPBhUpdate(modelOutput, sample, this.thisOrder);
            if (lowerOrderNums < solverOrder) lowerOrderNums += 1;
            stepIndex += 1;
            return prevSample;
        }
    }

    /** FlowMatchEulerDiscreteScheduler(num_train_timesteps, shift), no dynamic shifting. */
    public static final class Euler {
        final int numTrainTimesteps;
        final double shift;
        final double sigmaMax;
        final double sigmaMin;
        final double sigmaMin64;
        public double[] sigmas64;
        public double[] sigmas;
        public double[] timesteps;
        public double[] timesteps64;
        int stepIndex;

        public Euler(int numTrainTimesteps, double shift) {
            this.numTrainTimesteps = numTrainTimesteps;
            this.shift = shift;
            // __init__ works on float32 torch tensors: timesteps N..1, sigmas = timesteps / N, shifted.
            float s = (float) shift;
            float first = (float) numTrainTimesteps / numTrainTimesteps;
            float last = 1f / numTrainTimesteps;
            sigmaMax = s * first / (1 + (float) (shift - 1) * first);
            sigmaMin = s * last / (1 + (float) (shift - 1) * last);
            double exact = 1.0 / numTrainTimesteps;
            sigmaMin64 = shift * exact / (1 + (shift - 1) * exact);
        }

        public void setTimesteps(int numInferenceSteps) {
            sigmas64 = schedule(1.0 * numTrainTimesteps, sigmaMin64 * numTrainTimesteps, numInferenceSteps);
            double[] stored = schedule(sigmaMax * numTrainTimesteps, sigmaMin * numTrainTimesteps, numInferenceSteps);
            sigmas = new double[numInferenceSteps + 1];
            timesteps = new double[numInferenceSteps];
            timesteps64 = new double[numInferenceSteps];
            for (int i = 0; i < numInferenceSteps; i++) {
                sigmas[i] = (float) stored[i]; // torch.from_numpy(sigmas).to(float32)
                timesteps[i] = (float) (sigmas[i] * numTrainTimesteps); // float32 tensor × N
                timesteps64[i] = sigmas64[i] * numTrainTimesteps;
            }
            stepIndex = 0;
        }

        /** timesteps = linspace(t_max, t_min, n); sigmas = timesteps / N; shifted; a terminal 0 appended. */
        private double[] schedule(double tMax, double tMin, int n) {
            double[] t = linspace(tMax, tMin, n);
            double[] out = new double[n + 1];
            for (int i = 0; i < n; i++) {
                double sigma = t[i] / numTrainTimesteps;
                out[i] = shift * sigma / (1 + (shift - 1) * sigma);
            }
            return out;
        }

        public double[] step(double[] modelOutput, double timestep, double[] sample) {
            double sigma = sigmas[stepIndex];
            double sigmaNext = sigmas[stepIndex + 1];
            double dt = sigmaNext - sigma;
            double[] prev = new double[sample.length];
            for (int i = 0; i < prev.length; i++) prev[i] = sample[i] + dt * modelOutput[i];
            stepIndex += 1;
            return prev;
        }
    }

    /** torch.linalg.solve for the leading n×n block, in float64 (Gauss–Jordan with full pivoting). */
    static double[] solve(double[][] a0, double[] b0, int n) {
        double[][] a = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a0[i], 0, a[i], 0, n);
            a[i][n] = b0[i];
        }
        int[] colOf = new int[n];
        for (int i = 0; i < n; i++) colOf[i] = i;
        for (int c = 0; c < n; c++) {
            int pr = c, pc = c;
            for (int i = c; i < n; i++) {
                for (int j = c; j < n; j++) if (Math.abs(a[i][j]) > Math.abs(a[pr][pc])) {
                    pr = i;
                    pc = j;
                }
            }
            double[] t = a[c];
            a[c] = a[pr];
            a[pr] = t;
            for (double[] row : a) {
                double v = row[c];
                row[c] = row[pc];
                row[pc] = v;
            }
            int ci = colOf[c];
            colOf[c] = colOf[pc];
            colOf[pc] = ci;
            double p = a[c][c];
            for (int j = 0; j <= n; j++) a[c][j] /= p;
            for (int i = 0; i < n; i++) {
                if (i == c) continue;
                double f = a[i][c];
                for (int j = 0; j <= n; j++) a[i][j] -= f * a[c][j];
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[colOf[i]] = a[i][n];
        return x;
    }
}
