package io.tilewise.wan.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.wan.text.PromptEncoder;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanPatches;
import io.tilewise.wan.transformer.WanStageRunner;
import io.tilewise.wan.transformer.WanTimestep;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Wan2.1's {@link DenoiserStages} over the transformer's ORT stages: text states from the UMT5 encoder (once per
 * generation), then per forward the patch and condition stages (timestep on Wan's 0–1000 scale), per block pre
 * (→ q, k, v views per CFG branch) and post, and the head. Latents arrive and leave frame-major
 * ({@link WanLatents}); the transformer's own order is {@code [C, F', H', W']}.
 */
final class WanStages implements DenoiserStages {

    private final WanConfig config;
    private final PromptEncoder text;
    private final IntConsumer textProgress;
    private final WanLatents layout;
    private final WanPatches patches;
    private final WanStageRunner.Workspace ws;
    private final int batch;
    private final int tokens;
    private float[] textStates;

    WanStages(WanConfig config, PromptEncoder text, IntConsumer textProgress, WanStageRunner runner, WanLatents layout,
              int batch) {
        this.config = config;
        this.text = text;
        this.textProgress = textProgress;
        this.layout = layout;
        this.patches = new WanPatches(config.patch(), layout.frames(), layout.height(), layout.width());
        this.batch = batch;
        this.tokens = patches.grid().volume();
        this.ws = runner.workspace(patches.grid(), batch, text.maxTokens());
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public long encodeText(List<String> prompts) {
        if (prompts.size() != batch) throw new IllegalArgumentException(prompts.size() + " prompts for " + batch + " branches");
        long t0 = System.nanoTime();
        textStates = text.encode(prompts, textProgress);
        return System.nanoTime() - t0;
    }

    /** Wan is bidirectional: one segment, the whole clip. */
    @Override
    public void framePositions(TokenGrid grid, int firstFrame, int clipFrames) {
        if (firstFrame != 0 || !grid.equals(patches.grid())) {
            throw new IllegalArgumentException("Wan2.1 is not block-causal: it denoises the whole clip at once, not chunk "
                    + grid + " from latent frame " + firstFrame);
        }
    }

    @Override
    public long embed(float[] latent, double time) {
        if (textStates == null) throw new IllegalStateException("encodeText must run before the first forward");
        float[] channelFirst = layout.toChannelFirst(latent);
        int width = config.patchIn();
        float[] patchValues = new float[batch * tokens * width];
        patches.patchify(channelFirst, 0, config.inChannels(), patchValues, 0);
        for (int b = 1; b < batch; b++) System.arraycopy(patchValues, 0, patchValues, b * tokens * width, tokens * width);
        float[] sinusoid = WanTimestep.sinusoid(WanSampler.timestep(time), config.freqDim());
        float[] sinusoids = new float[batch * sinusoid.length];
        for (int b = 0; b < batch; b++) System.arraycopy(sinusoid, 0, sinusoids, b * sinusoid.length, sinusoid.length);
        ws.items(batch);
        return ws.patch(patchValues) + ws.condition(sinusoids, textStates);
    }

    /** The ORT block and head stages run at batch {@code count} on the first items' buffers. */
    @Override
    public void limitBranches(int count) {
        ws.items(count);
    }

    @Override
    public long pre(int layer) {
        return ws.pre(layer);
    }

    @Override
    public long post(int layer) {
        return ws.post(layer);
    }

    @Override
    public long head() {
        return ws.head();
    }

    @Override
    public int hiddenValues() {
        return ws.hiddenValues();
    }

    @Override
    public void readHidden(int branch, float[] into) {
        ws.readHidden(branch, into);
    }

    @Override
    public void writeHidden(int branch, float[] from) {
        ws.writeHidden(branch, from);
    }

    @Override
    public Tensor q(int branch) {
        return ws.q(branch);
    }

    @Override
    public Tensor k(int branch) {
        return ws.k(branch);
    }

    @Override
    public Tensor v(int branch) {
        return ws.v(branch);
    }

    @Override
    public Tensor out(int branch) {
        return ws.attn(branch);
    }

    /** Each branch's velocity, frame-major, branch-major. */
    @Override
    public float[] output() {
        float[] out = ws.out();
        int values = layout.values();
        float[] result = new float[batch * values];
        float[] channelFirst = new float[values];
        for (int b = 0; b < batch; b++) {
            patches.unpatchify(out, b * tokens * config.patchOut(), config.outChannels(), channelFirst, 0);
            System.arraycopy(layout.toFrameMajor(channelFirst), 0, result, b * values, values);
        }
        return result;
    }

    @Override
    public long hostToDeviceBytes() {
        return 0;
    }

    @Override
    public long deviceToHostBytes() {
        return 0;
    }

    @Override
    public void close() {
        ws.close();
    }
}
