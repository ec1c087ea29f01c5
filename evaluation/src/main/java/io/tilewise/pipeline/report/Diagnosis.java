package io.tilewise.pipeline.report;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.quality.VideoQuality;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How a method stands against the goal and, where it falls short, how far and why.
 *
 * <p>Speed follows Amdahl's law on dense's own split: with attention a share {@code a} of dense's wall time, a
 * method whose attention takes a fraction {@code r} of dense's attention time runs at {@code 1/((1−a) + a·r)}; the
 * target speedup {@code S} needs {@code r ≤ (1/S − (1−a))/a} (attention time scales with executed density at best),
 * and no attention method beats {@code 1/(1−a)}. Quality shortfalls point at the layers whose probed error is
 * largest and at how much softmax mass their mask misses.
 *
 * @param densityForTarget the attention time fraction (≈ executed density) the target speedup needs; NaN if none can
 * @param speedupBound     the speedup with free attention, {@code 1/(1−a)}
 * @param findings         one sentence per point, for the reports
 */
public record Diagnosis(boolean meetsSpeedup, boolean meetsPsnr, boolean meetsAdherence, double densityForTarget,
                        double speedupBound, List<LayerError> layers, List<String> findings) {

    public Diagnosis {
        layers = List.copyOf(layers);
        findings = List.copyOf(findings);
    }

    public boolean meetsGoal() {
        return meetsSpeedup && meetsPsnr && meetsAdherence;
    }

    static Diagnosis of(CompareRequest.Targets targets, AttentionShape shape, PolicyRun dense, PolicyRun method, VideoQuality quality,
                        double speedup, double attentionSpeedup, ClipReading denseReading, ClipReading reading,
                        boolean adherenceMatches) {
        double a = dense.attentionShare();
        double bound = 1 / (1 - a);
        double needed = (1 / targets.speedup() - (1 - a)) / a;
        if (needed <= 0) needed = Double.NaN;
        List<LayerError> layers = LayerError.of(method.probes());
        boolean fast = speedup >= targets.speedup();
        boolean good = quality.meanPsnr() >= targets.psnr();
        List<String> findings = new ArrayList<>();
        if (fast && good && adherenceMatches) {
            findings.add(f("meets the goal: %.2fx >= %.2fx, mean PSNR %.1f dB >= %.1f dB, adherence as dense", speedup,
                    targets.speedup(), quality.meanPsnr(), targets.psnr()));
        }
        if (!fast) findings.add(speedFinding(targets, a, bound, needed, method, speedup, attentionSpeedup));
        if (method.stepCache().skippedTotal() > 0 || method.stepCache().cfgReused() > 0) {
            // skipped steps run no attention and no later blocks: the density argument above is per computed call only
            findings.add(f("step cache %s: %s; the fully skipped steps took %.2f s of %.2f s", method.stepCache().spec(),
                    method.stepCache().summary(), method.skippedStepSeconds(), method.seconds()));
        }
        String floor = DensityFloor.describe(method.policy(), shape);
        if (floor != null) findings.add(floor);
        if (!good) findings.add(qualityFinding(targets, quality, layers));
        if (!adherenceMatches) {
            findings.add(f("adherence differs from dense: dense's clip reads %s, this one %s", words(denseReading), words(reading)));
        }
        return new Diagnosis(fast, good, adherenceMatches, needed, bound, layers, findings);
    }

    private static String speedFinding(CompareRequest.Targets t, double a, double bound, double needed, PolicyRun method,
                                       double speedup, double attentionSpeedup) {
        String head = f("speed %.2fx is %.2fx short of %.2fx", speedup, t.speedup() - speedup, t.speedup());
        if (Double.isNaN(needed)) {
            return head + f(": attention is %.0f %% of dense's time, so even free attention gives at most %.2fx", 100 * a, bound);
        }
        double density = method.executedDensity();
        String s = head + f(": attention is %.0f %% of dense's time, so %.2fx needs attention at <= %.2f of dense's "
                + "attention time; this setting executes density %.2f and its attention ran %.2fx faster than dense's",
                100 * a, t.speedup(), needed, density, attentionSpeedup);
        if (density > needed) {
            return s + f(" (executed density %.2f is above the %.2f needed: a sparser setting is required, or the method's "
                    + "density floor on this grid is too high)", density, needed);
        }
        return s + f(" (density is low enough, but the kernel reaches %.0f %% of its ideal %.2fx: overheads such as "
                + "planning or permutations eat the gain)", 100 * attentionSpeedup * density, 1 / density);
    }

    private static String qualityFinding(CompareRequest.Targets t, VideoQuality q, List<LayerError> layers) {
        double[] psnr = q.psnr();
        int worstFrame = 0;
        for (int i = 1; i < psnr.length; i++) if (psnr[i] < psnr[worstFrame]) worstFrame = i;
        String s = f("mean PSNR %.1f dB is %.1f dB short of %.1f dB (worst frame %d: %.1f dB; final latent off by %.1f %%)",
                q.meanPsnr(), t.psnr() - q.meanPsnr(), t.psnr(), worstFrame, q.minPsnr(), 100 * q.latentRelativeError());
        if (layers.isEmpty()) return s + "; run with probes for the error per layer";
        LayerError worst = layers.stream().max(Comparator.comparingDouble(LayerError::meanRelL2)).orElseThrow();
        return s + f("; the attention error is largest at layer %d (mean relative L2 %.3f, worst %.3f at step %d), whose "
                + "mask keeps %.1f %% of dense's softmax mass on average (lowest %.1f %%)", worst.layer(), worst.meanRelL2(),
                worst.maxRelL2(), worst.stepOfMax(), 100 * worst.meanMaskMass(), 100 * worst.minMaskMass());
    }

    static String words(ClipReading r) {
        if (r == null) return "nothing";
        return (r.color() == null ? "no object" : r.color() + " " + (r.shape() == null ? "?" : r.shape()))
                + " moving " + (r.direction() == null ? "nowhere" : r.direction()) + " on " + r.background();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
