package io.tilewise.pipeline.calibrate;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.reorder.ParoCalibrator;
import io.tilewise.reorder.ParoPlan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * PARO calibration from real generation runs (docs/methods.md §4.1): generate each calibration prompt with dense
 * attention, capture the conditional branch's q and k of every layer at one representative step per timestep group
 * (the middle step of the group), then per (group, layer) choose each head's axis order and block mask from all
 * prompts' statistics. The result is a plan for exactly this model and video size.
 */
public final class ParoModelCalibration {

    /**
     * @param prompts     calibration prompts (a few suffice: the orders follow the model, not the prompt)
     * @param groups      timestep groups G (each gets its own masks)
     * @param density     target block density per head
     * @param sampleEvery query rows sampled for the statistics (1 = every row)
     */
    public record Request(List<String> prompts, int frames, int height, int width, int steps, double guidance, long seed,
                          int groups, double density, int blockSize, int sampleEvery) {
        public Request {
            prompts = List.copyOf(prompts);
            if (prompts.isEmpty()) throw new IllegalArgumentException("calibration needs at least one prompt");
            if (groups < 1 || groups > steps) {
                throw new IllegalArgumentException("--groups " + groups + " must be in 1.." + steps + " (the steps)");
            }
            if (!(density > 0 && density <= 1)) throw new IllegalArgumentException("--density " + density + " must be in (0, 1]");
        }
    }

    private ParoModelCalibration() {
    }

    /**
     * Runs the calibration on the model in {@code modelDir}; {@code progress} hears one line per prompt and
     * (group, layer).
     */
    public static ParoPlan calibrate(Path modelDir, Request request, Consumer<String> progress) {
        Capture capture = new Capture(request.steps(), request.groups());
        Pipeline.Options options = Pipeline.Options.defaults().withKernels(spec ->
                spec.name().equals(Capture.ID) ? capture : AttentionMethods.create(spec));
        ModelCard config;
        try (Pipeline pipeline = Pipeline.open(modelDir, options)) {
            config = pipeline.card();
            for (int i = 0; i < request.prompts().size(); i++) {
                String prompt = request.prompts().get(i);
                pipeline.generate(GenerationRequest.defaults(config, prompt).withSize(request.frames(), request.height(), request.width())
                        .withSteps(request.steps()).withGuidance(request.guidance()).withSeed(request.seed() + i).withPolicy(Capture.ID));
                progress.accept("captured q, k of prompt " + (i + 1) + "/" + request.prompts().size() + ": " + prompt);
            }
        }
        TokenLayout layout = capture.layout;
        ParoPlan.Builder plan = ParoPlan.builder(config.modelId(), layout, request.blockSize(), request.groups(),
                config.blocks(), config.heads());
        ParoCalibrator.Options calibration = ParoCalibrator.Options.defaults().withBlockSize(request.blockSize())
                .withSampleEvery(request.sampleEvery());
        float scale = AttentionContext.standalone().scaleFor(config.headDim());
        for (int g = 0; g < request.groups(); g++) {
            for (int layer = 0; layer < config.blocks(); layer++) {
                List<float[][]> samples = capture.samples.get(Capture.key(g, layer));
                if (samples == null) throw new IllegalStateException("no q, k captured for group " + g + " layer " + layer);
                try (Tensor q = stack(samples, 0, config, layout); Tensor k = stack(samples, 1, config, layout)) {
                    ParoCalibrator.fill(plan, g, layer, ParoCalibrator.calibrate(q, k, scale, layout, calibration), layout,
                            request.blockSize(), request.density());
                }
                progress.accept("calibrated group " + (g + 1) + "/" + request.groups() + ", layer " + (layer + 1) + "/" + config.blocks());
            }
        }
        return plan.build();
    }

    /** Captured per-prompt [q, k] of one (group, layer), as one tensor with the prompts as batch. */
    private static Tensor stack(List<float[][]> samples, int which, ModelCard config, TokenLayout layout) {
        int n = layout.seqLen();
        int per = config.heads() * n * config.headDim();
        float[] all = new float[samples.size() * per];
        for (int i = 0; i < samples.size(); i++) System.arraycopy(samples.get(i)[which], 0, all, i * per, per);
        return Tensor.of(all, samples.size(), config.heads(), n, config.headDim());
    }

    /**
     * Dense attention that also copies q and k of the conditional branch at each group's representative step.
     */
    private static final class Capture implements AttentionKernel {
        static final String ID = "paro-capture";
        final Map<Integer, List<float[][]>> samples = new HashMap<>();
        final int[] representative;
        final int totalSteps;
        final int groups;
        TokenLayout layout;

        Capture(int totalSteps, int groups) {
            this.totalSteps = totalSteps;
            this.groups = groups;
            this.representative = new int[groups];
            java.util.Arrays.fill(representative, -1);
            List<List<Integer>> members = new ArrayList<>();
            for (int g = 0; g < groups; g++) members.add(new ArrayList<>());
            for (int s = 0; s < totalSteps; s++) members.get(ParoPlan.group(s, totalSteps, groups)).add(s);
            for (int g = 0; g < groups; g++) {
                List<Integer> m = members.get(g);
                if (m.isEmpty()) {
                    throw new IllegalArgumentException("--groups " + groups + " leaves timestep group " + g + " without a step of "
                            + totalSteps + "; use fewer groups");
                }
                representative[g] = m.get(m.size() / 2);
            }
        }

        static int key(int group, int layer) {
            return group * 100_000 + layer;
        }

        @Override
        public String id() {
            return ID;
        }

        @Override
        public String spec() {
            return ID;
        }

        @Override
        public Support supports(AttentionShape shape, Device device) {
            return Support.yes();
        }

        @Override
        public AttentionSession prepare(AttentionShape shape, Device device) {
            layout = shape.layout();
            AttentionSession dense = new DenseKernel().prepare(shape, device);
            return new AbstractAttentionSession(shape) {
                @Override
                protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                    int group = ParoPlan.group(ctx.step(), ctx.totalSteps(), groups);
                    if (ctx.branch() == Branch.COND && representative[group] == ctx.step()) {
                        samples.computeIfAbsent(key(group, ctx.layer()), unused -> new ArrayList<>())
                                .add(new float[][] {q.toArray(), k.toArray()});
                    }
                    dense.forward(q, k, v, ctx, out, lse);
                }

                @Override
                public double executedDensity() {
                    return 1;
                }

                @Override
                protected void release() {
                    dense.close();
                }
            };
        }
    }
}
