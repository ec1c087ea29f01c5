package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.model.ModelConfig;

/**
 * Whether a generation can run, answered before anything runs (comparisons and sweeps check every cell first): the
 * video size against the model's patch, the policy's and the step cache's syntax (and a magcache plan), and every method of the policy on the token grid.
 */
public final class PolicySupport {

    private PolicySupport() {
    }

    /** The self-attention shape of one CFG branch of {@code request} on {@code config}'s (tiny-DiT) model. */
    public static AttentionShape shape(ModelConfig config, GenerationRequest request) {
        return shape(TinyDitModel.card(config), request);
    }

    /** The self-attention shape of one CFG branch of {@code request} on the model of {@code card} (any family). */
    public static AttentionShape shape(ModelCard card, GenerationRequest request) {
        TokenGrid grid = card.geometry().grid(request.frames(), request.height(), request.width());
        return new AttentionShape(1, card.heads(), card.headDim(), TokenLayout.video(grid));
    }

    /** Yes, or no with the reason (one line), on {@code config}'s (tiny-DiT) model. */
    public static Support check(ModelConfig config, GenerationRequest request) {
        return check(TinyDitModel.card(config), request);
    }

    /**
     * Yes, or no with the reason (one line), for the model of {@code card} (any family). A size that does not fit
     * and a policy that does not parse are a "no" too.
     */
    public static Support check(ModelCard card, GenerationRequest request) {
        AttentionShape shape;
        try {
            shape = shape(card, request);
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
        try {
            Pipeline.StepCache.of(request);
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
