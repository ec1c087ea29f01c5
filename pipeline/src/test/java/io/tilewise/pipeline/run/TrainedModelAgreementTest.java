package io.tilewise.pipeline.run;

import io.tilewise.pipeline.family.tiny.TinyStages;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelDirectory;
import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DJL forward (module training, which trained the bundled weights) and the ONNX Runtime stages built by this
 * module agree on the bundled model: {@code golden/tiny-t2v-forward.safetensors} holds inputs (video, t, text ids
 * and mask) and the velocity DJL computed with {@code models/tiny-t2v}; every row is recomputed here through the
 * ORT stages with our dense attention.
 */
class TrainedModelAgreementTest {

    private static final Path MODEL = Path.of("..", "models", "tiny-t2v");

    @Test
    void ortStagesReproduceTheDjlForwardOfTheBundledModel() throws URISyntaxException {
        Path golden = Path.of(getClass().getResource("/golden/tiny-t2v-forward.safetensors").toURI());
        ModelDirectory model = ModelDirectory.load(MODEL);
        ModelConfig config = model.config();
        try (SafetensorsFile cases = SafetensorsFile.open(golden);
             ModelSessions sessions = new ModelSessions(model.weights(), 2)) {
            for (String c : List.of("case0", "case1")) {
                long[] shape = cases.info(c + ".video").shape();
                int rows = (int) shape[0], frames = (int) shape[2], height = (int) shape[3], width = (int) shape[4];
                float[] video = cases.floats(c + ".video");
                float[] t = cases.floats(c + ".t");
                float[] ids = cases.floats(c + ".ids");
                float[] mask = cases.floats(c + ".mask");
                float[] expected = cases.floats(c + ".velocity");
                int per = video.length / rows;
                int len = ids.length / rows;
                for (int r = 0; r < rows; r++) {
                    long[] rowIds = new long[len];
                    for (int i = 0; i < len; i++) rowIds[i] = (long) ids[r * len + i];
                    float[] rowMask = Arrays.copyOfRange(mask, r * len, (r + 1) * len);
                    float[] actual = velocity(sessions, config, Arrays.copyOfRange(video, r * per, (r + 1) * per), t[r],
                            new Tokenizer.Encoding(rowIds, rowMask, List.of(), List.of()), frames, height, width);
                    double err = Arrays2.relL2(actual, Arrays2.toDouble(Arrays.copyOfRange(expected, r * per, (r + 1) * per)));
                    String where = c + " row " + r;
                    System.out.printf("%s: ORT vs DJL velocity relL2 %.2e%n", where, err);
                    assertTrue(err < 1e-4, () -> where + ": ORT vs DJL velocity relL2 " + err);
                }
            }
        }
    }

    private static float[] velocity(ModelSessions sessions, ModelConfig config, float[] video, float t, Tokenizer.Encoding prompt,
                                    int frames, int height, int width) {
        Patchifier patchifier = new Patchifier(config.channels(), config.patch()[0], config.patch()[1], config.patch()[2],
                frames, height, width);
        AttentionShape shape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(patchifier.grid()));
        try (TinyStages ws = new TinyStages(sessions, config, patchifier.grid(), 1);
             AttentionSession dense = new DenseKernel().prepare(shape)) {
            ws.encodeTokens(List.of(prompt));
            ws.embed(patchifier.patchify(video), t);
            for (int layer = 0; layer < config.blocks(); layer++) {
                ws.pre(layer);
                dense.forward(ws.q(0), ws.k(0), ws.v(0), AttentionContext.standalone().withLayer(layer), ws.out(0));
                ws.post(layer);
            }
            ws.head();
            return patchifier.unpatchify(ws.output());
        }
    }
}
