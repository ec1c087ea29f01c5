package io.tilewise.pipeline.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.run.StepListener;

import java.util.List;

/**
 * A loaded model of some {@link ModelFamily}, as the generation loop sees it: sizes ↔ latents ↔ token grid, the
 * stages of a forward, the sampler, prompt checks and the memory a generation needs. Thread safety: one generation
 * at a time (the pipeline serializes them).
 */
public interface DenoiserModel extends AutoCloseable {

    ModelCard card();

    /**
     * The latent layout of a video of this size.
     *
     * @throws IllegalArgumentException naming the size rule the size breaks (one line)
     */
    LatentLayout layout(int frames, int height, int width);

    /** Stage buffers for a segment of {@code grid} tokens with {@code batch} CFG branches. */
    DenoiserStages stages(TokenGrid grid, int batch);

    /** A fresh sampler for {@code steps} steps with the request's {@code shift} (families may ignore it). */
    Sampler sampler(int steps, double shift);

    /**
     * A fresh sampler chosen by name ({@code scheduler}, "" for the model's default). Families with one sampler refuse
     * any other name.
     *
     * @throws IllegalArgumentException naming the scheduler and the ones the model has
     */
    default Sampler sampler(int steps, double shift, String scheduler) {
        if (scheduler != null && !scheduler.isEmpty()) {
            throw new IllegalArgumentException("scheduler " + scheduler + ": model " + card().modelId() + " ("
                    + card().family() + ") has one sampler; leave the scheduler unset");
        }
        return sampler(steps, shift);
    }

    /**
     * Where the model reports progress of its long phases besides the steps (text encoding, decoding) during the
     * next generation; {@link StepListener#NONE} after it. Families without such phases ignore it.
     */
    default void phaseListener(StepListener listener) {
    }

    /** Whether the model reads its prompts with an analyzer (adherence scores); free-text models have none. */
    default boolean analyzesPrompts() {
        return !card().promptWords().isEmpty();
    }

    /** What the prompt loses on the way in (unknown or truncated words), one line each; empty when nothing. */
    List<String> promptWarnings(String prompt);

    /**
     * What a generation of {@code layout} with {@code batch} branches holds besides attention workspaces (weights,
     * stage buffers and activations, latents, the decoded video), added to {@code estimate}.
     *
     * @param segmentFrames latent frames of the largest segment run at once (all of them, or a streaming chunk)
     */
    void estimateMemory(MemoryEstimate.Builder estimate, LatentLayout layout, int batch, int segmentFrames);

    /** Where the stages run and why. */
    StageProvider stageProvider();

    @Override
    void close();
}
