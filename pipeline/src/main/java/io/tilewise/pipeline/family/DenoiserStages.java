package io.tilewise.pipeline.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.tensor.Tensor;

import java.util.List;

/**
 * Everything but self-attention of one transformer forward on one segment (the whole clip, or one chunk of a
 * streamed clip): the text encoding, the input stage, per block a pre-attention stage (→ q, k, v) and a
 * post-attention stage (reads the attention output), and the output stage. The generation loop calls them in that
 * order and runs our attention in between on {@link #q}, {@link #k}, {@link #v} into {@link #out}: per CFG branch
 * {@code [1, heads, tokens, headDim]} views that stay valid for the segment's lifetime. Each stage returns the
 * nanoseconds it took.
 *
 * <p>The residual stream (the hidden state between blocks, {@code [tokens, width]} per branch) is readable and
 * writable between stages, so step caches can skip blocks: {@link #readHidden} after {@link #embed} or any
 * {@link #post}, {@link #writeHidden} before the next {@link #pre} or {@link #head}.
 */
public interface DenoiserStages extends AutoCloseable {

    /** CFG branches held: 2 (conditional, unconditional) or 1. */
    int batch();

    /** Encodes one prompt per branch (conditional first) into the text states the blocks read. */
    long encodeText(List<String> prompts);

    /** Positions for a grid that starts at latent frame {@code firstFrame} of a clip of {@code clipFrames} frames. */
    void framePositions(TokenGrid grid, int firstFrame, int clipFrames);

    /** The input stage: every branch gets {@code latent} at model time {@code time}. */
    long embed(float[] latent, double time);

    /**
     * Lets the following {@link #pre}, {@link #post} and {@link #head} compute only the first {@code count} branches
     * (1: the conditional one), until the next {@link #embed} or call; the other branches' hidden state and output are
     * then unspecified until the next {@link #embed} or {@link #writeHidden}. A step cache calls it on steps where only
     * the conditional branch runs. Stages that cannot run fewer items ignore it (the default): computing more is
     * never wrong.
     */
    default void limitBranches(int count) {
    }

    long pre(int layer);

    long post(int layer);

    /** The output stage: the model output of every branch into {@link #output()}. */
    long head();

    /** Values of one branch's hidden state: tokens × hidden width. */
    int hiddenValues();

    /**
     * Copies {@code branch}'s current hidden state (the input stage's output, or the output of the last block run)
     * into {@code into} ({@link #hiddenValues()} floats, token-major). Reading never changes what the stages compute.
     */
    void readHidden(int branch, float[] into);

    /**
     * Replaces {@code branch}'s current hidden state with {@code from}; the next {@link #pre} or {@link #head} reads
     * it. The other branch is left as it is.
     */
    void writeHidden(int branch, float[] from);

    Tensor q(int branch);

    Tensor k(int branch);

    Tensor v(int branch);

    /** Where self-attention writes its output for {@code branch}. */
    Tensor out(int branch);

    /** The last model output, {@code batch × latent values}, branch-major. */
    float[] output();

    /** Host→device and device→host bytes the stages moved so far (zero on the CPU). */
    long hostToDeviceBytes();

    long deviceToHostBytes();

    @Override
    void close();
}
