package io.tilewise.reorder;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

import java.nio.file.Path;

/**
 * {@code paro:density=F,bits=N,block=N,sample=N} (self-calibrating) or {@code paro:plan=FILE,bits=N[,model=ID]}.
 *
 * @param density calibrated mode: fraction of key blocks kept per query-block row, in (0, 1] (default 0.25)
 * @param bits    QKᵀ precision: 32 (fp32, default), 8 or 4 (per-block symmetric quantization of q and k)
 * @param block   calibrated mode: block size in tokens (default 64)
 * @param sample  calibrated mode: 1 in {@code sample} query rows enter the calibration (default 8; 1 = exact)
 * @param plan    plan file, or null for self-calibration
 * @param model   model id the plan must have been calibrated for, or null to accept the plan's
 */
public record ParoSpec(double density, int bits, int block, int sample, Path plan, String model) {

    public static final double DEFAULT_DENSITY = 0.25;
    public static final int DEFAULT_BLOCK = 64;
    public static final int DEFAULT_SAMPLE = 8;

    public ParoSpec {
        if (bits != 32 && bits != 8 && bits != 4) throw new SpecException("paro: bits=" + bits + " is not allowed; expected 32, 8 or 4");
    }

    public static ParoSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "density", "bits", "block", "sample", "plan", "model");
        String plan = r.string("plan", null);
        if (plan != null) {
            for (String key : new String[] {"density", "block", "sample"}) {
                if (r.has(key)) throw new SpecException("paro: " + key + " cannot be combined with plan= (the plan file fixes it)");
            }
        } else if (r.has("model")) {
            throw new SpecException("paro: model= only applies with plan=FILE");
        }
        double density = r.doubleValue("density", DEFAULT_DENSITY, 0.0, true, 1.0);
        int bits = r.intValue("bits", 32, 4, 32);
        if (bits != 32 && bits != 8 && bits != 4) throw r.fail("bits", String.valueOf(bits), "32, 8 or 4");
        int block = r.intValue("block", DEFAULT_BLOCK, 16, 4096);
        int sample = r.intValue("sample", DEFAULT_SAMPLE, 1, 1024);
        String model = r.string("model", null);
        r.done();
        return new ParoSpec(density, bits, block, sample, plan == null ? null : path(r, plan), model);
    }

    private static Path path(SpecReader r, String plan) {
        try {
            return Path.of(plan);
        } catch (java.nio.file.InvalidPathException e) {
            throw r.fail("plan", plan, "a file path (" + e.getReason() + ")");
        }
    }

    public boolean calibrating() {
        return plan == null;
    }

    public String canonical() {
        if (plan != null) return "paro:plan=" + plan + ",bits=" + bits + (model == null ? "" : ",model=" + model);
        return "paro:density=" + density + ",bits=" + bits + ",block=" + block + ",sample=" + sample;
    }
}
