package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.pipeline.model.ModelConfig;

/**
 * Whether a generation can run, answered before anything runs (comparisons and sweeps check every cell first): the
 * video size against the model's patch, the policy's and the step cache's syntax (and a magcache plan), and every method of the policy on the token grid.
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
     * Yes, or no with the reason (one line). A policy that does not parse is a "no" too.
     */
    public static Support check(ModelConfig config, GenerationRequest request) {
        AttentionShape shape;
        try {
            shape = shape(config, request);
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
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
