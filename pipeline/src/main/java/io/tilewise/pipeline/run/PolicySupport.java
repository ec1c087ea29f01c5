package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.TokenGeometry;
import io.tilewise.pipeline.model.ModelConfig;

/**
 * Whether a generation can run, answered before anything runs (comparisons and sweeps check every cell first): the
 * video size against the model's patch, the policy's syntax, and every method of the policy on the token grid.
 */
public final class PolicySupport {

    private PolicySupport() {
    }

    /** The self-attention shape of one CFG branch of {@code request} on {@code config}'s model. */
    public static AttentionShape shape(ModelConfig config, GenerationRequest request) {
        int[] p = config.patch();
        Patchifier patchifier = new Patchifier(config.channels(), p[0], p[1], p[2], request.frames(), request.height(), request.width());
        return new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(patchifier.grid()));
    }

    /**
     * The self-attention shape of one CFG branch of {@code request} on the model of {@code card} (any family): the
     * card's token geometry, with sizes its strides do not divide refused (one line).
     */
    public static AttentionShape shape(ModelCard card, GenerationRequest request) {
        TokenGeometry g = card.geometry();
        int f = request.frames(), h = request.height(), w = request.width();
        boolean framesFit = g.firstFrameAlone() ? f >= 1 : f % g.frameStride() == 0;
        if (!framesFit || h % g.heightStride() != 0 || w % g.widthStride() != 0) {
            throw new IllegalArgumentException("video " + f + " frames of " + w + "x" + h + " px does not fit model "
                    + card.modelId() + " (height a multiple of " + g.heightStride() + ", width of " + g.widthStride()
                    + (g.firstFrameAlone() ? "" : ", frames of " + g.frameStride()) + ")");
        }
        return new AttentionShape(1, card.heads(), card.headDim(), TokenLayout.video(g.grid(f, h, w)));
    }

    /** Yes, or no with the reason (one line), for the model of {@code card}. */
    public static Support check(ModelCard card, GenerationRequest request) {
        AttentionShape shape;
        try {
            shape = shape(card, request);
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
        return check(shape, request);
    }

    /**
     * Yes, or no with the reason (one line). A policy that does not parse is a "no" too.
     */
    public static Support check(ModelConfig config, GenerationRequest request) {
        AttentionShape shape;
        try {
            shape = shape(config, request);
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
        return check(shape, request);
    }

    private static Support check(AttentionShape shape, GenerationRequest request) {
        AttentionPolicy policy;
        try {
            policy = AttentionPolicy.parse(request.policy());
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
        for (AttentionPolicy.Rule rule : policy.rules()) {
            Support s = rule.kernel().supports(shape, Device.CPU);
            if (!s.supported()) return Support.no(rule.kernel().spec() + " on grid " + shape.layout().grid() + ": " + s.reason());
        }
        return Support.yes();
    }
}
