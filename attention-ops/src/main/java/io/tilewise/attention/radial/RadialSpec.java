package io.tilewise.attention.radial;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code radial:decay=D,block=B,sink=0|1} — Radial attention's static temporal-decay mask (docs/methods.md §3.2).
 * Defaults follow the released code (§3.3): {@code decay_factor} 1.0, block 128, and no attention sink (the
 * sink is the Wan model path; HunyuanVideo has none). Scripts use decay 0.2 (Wan2.1), 0.95 (Hunyuan), 0.8
 * (Wan2.2, with block 64).
 *
 * @param decay scale of the window width of frame pairs at distance ≥ 2, in (0, 1e6]
 * @param block block size B: granularity of the block mask and floor of the window width, in 8..1024 (any
 *              value; the original supports only 64 and 128, we do not need to)
 * @param sink  whether key frame 0 is seen whole by every query frame (the Wan path)
 */
public record RadialSpec(double decay, int block, boolean sink) {

    public static final double DEFAULT_DECAY = 1.0;
    public static final int DEFAULT_BLOCK = 128;
    public static final double MAX_DECAY = 1e6;
    public static final int MIN_BLOCK = 8;
    public static final int MAX_BLOCK = 1024;

    public RadialSpec {
        if (!(decay > 0 && decay <= MAX_DECAY)) {
            throw new SpecException("radial: decay=" + decay + " is not allowed; expected a number in (0.0, " + MAX_DECAY + "]");
        }
        if (block < MIN_BLOCK || block > MAX_BLOCK) {
            throw new SpecException("radial: block=" + block + " is not allowed; expected an integer in " + MIN_BLOCK + ".." + MAX_BLOCK);
        }
    }

    public static RadialSpec defaults() {
        return new RadialSpec(DEFAULT_DECAY, DEFAULT_BLOCK, false);
    }

    public static RadialSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "decay", "block", "sink");
        double decay = r.doubleValue("decay", DEFAULT_DECAY, 0.0, true, MAX_DECAY);
        int block = r.intValue("block", DEFAULT_BLOCK, MIN_BLOCK, MAX_BLOCK);
        boolean sink = r.flag("sink", false);
        r.done();
        return new RadialSpec(decay, block, sink);
    }

    public String canonical() {
        return "radial:decay=" + decay + ",block=" + block + ",sink=" + (sink ? 1 : 0);
    }
}
