package io.tilewise.pipeline.family;

import java.util.List;

/**
 * What callers may know of a loaded model without knowing its family: names, the self-attention geometry the
 * policies plan for, and the defaults of a generation.
 *
 * @param family            the {@link ModelFamily#id()} that loaded it
 * @param modelId           the model's own name (e.g. {@code tiny-t2v})
 * @param heads             self-attention heads
 * @param headDim           values per head
 * @param blocks            transformer blocks (self-attention layers)
 * @param causalChunkFrames latent frames per chunk of a block-causal model, 0 for bidirectional models
 * @param defaults          the generation a bare {@code generate} runs
 * @param trainedFor        one line on what the model was made for ("" when unknown)
 * @param promptWords       the words the model's prompts are made of (empty: free text)
 * @param geometry          video size → token grid
 * @param blockFlopsPerToken multiply-adds ×2 of one block's stages (projections, MLP, cross-attention projections)
 *                          per video token and CFG branch, self-attention excluded: the cost model's stage part
 */
public record ModelCard(String family, String modelId, int heads, int headDim, int blocks, int causalChunkFrames,
                        GenerationDefaults defaults, String trainedFor, List<String> promptWords, TokenGeometry geometry,
                        double blockFlopsPerToken) {

    public ModelCard {
        promptWords = List.copyOf(promptWords);
        if (trainedFor == null) trainedFor = "";
    }

    /** Whether the model denoises chunk by chunk (streaming). */
    public boolean blockCausal() {
        return causalChunkFrames > 0;
    }
}
