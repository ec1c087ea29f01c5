package io.tilewise.training;

import ai.djl.ndarray.NDManager;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.Tokenizer;
import io.tilewise.pipeline.run.Video;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training samples with the inference contract (noise, tokenizer, times, guidance, steps): the DJL sampler behind
 * {@code scripts/sample-tiny-model} and {@code tilewise generate} give the same clip for the same seed, up to the
 * float rounding between DJL's and ONNX Runtime's forward (before the contract was shared, their noise generators
 * differed and the clips had nothing in common).
 */
class SameClipAsGenerateTest {

    @TempDir
    Path dir;

    @Test
    void djlSamplerAndPipelineAgreeForTheSameSeed() {
        ModelConfig config = TinyModels.small(2);
        Path model = TinyModels.write(dir.resolve("m"), config, 21);
        String prompt = "a green square moving up on a black background";
        int frames = 2, size = 16, steps = 3;
        long seed = 5;
        float[] djl;
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit dit = TinyDit.of(config, TinyModels.randomArrays(config, 21), root, false);
            djl = FlowMatching.sample(dit, root, new Tokenizer(config.text().vocab(), config.text().maxTokens()), prompt,
                    frames, size, size, steps, 4.0, 3.0, seed);
        }
        Video fromTraining = Video.fromChannelsFirst(djl, frames, size, size);
        Video fromGenerate;
        try (Pipeline p = Pipeline.open(model, new Pipeline.Options(1, null))) {
            fromGenerate = p.generate(new GenerationRequest(prompt, frames, size, size, steps, 4.0, 3.0, seed, "dense")).video();
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < fromGenerate.rgb().length; i++) {
            double d = fromGenerate.rgb()[i] - fromTraining.rgb()[i];
            diff += d * d;
            norm += (double) fromGenerate.rgb()[i] * fromGenerate.rgb()[i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel < 1e-4, "relative L2 between the DJL sample and generate: " + rel);
    }
}
