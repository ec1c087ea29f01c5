package io.tilewise.pipeline.run;

import io.tilewise.pipeline.family.tiny.TinyStages;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.caches.flashblock.ChunkAttention;
import io.tilewise.caches.flashblock.KvCache;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DJL forward of the block-causal model (chunk-causal mask, a flow time per chunk; module training) and this
 * module's chunk-by-chunk computation agree on {@code models/tiny-t2v-causal}: every chunk runs through the ORT stages
 * at its own time and RoPE frame offset, its attention sees a key/value cache of the earlier chunks
 * ({@link KvCache}, {@link ChunkAttention}) — the machinery of streaming generation — and the velocities match
 * {@code golden/tiny-t2v-causal-forward.safetensors}.
 */
class CausalModelAgreementTest {

    private static final Path MODEL = Path.of("..", "models", "tiny-t2v-causal");

    @Test
    void chunkByChunkOrtStagesReproduceTheDjlForwardOfTheCausalModel() throws URISyntaxException {
        Path golden = Path.of(getClass().getResource("/golden/tiny-t2v-causal-forward.safetensors").toURI());
        ModelDirectory model = ModelDirectory.load(MODEL);
        ModelConfig config = model.config();
        assertTrue(config.causalChunkFrames() > 0, "tiny-t2v-causal must be block-causal");
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
                int chunks = t.length / rows;
                assertEquals(chunks, (frames + config.causalChunkFrames() - 1) / config.causalChunkFrames());
                for (int r = 0; r < rows; r++) {
                    long[] rowIds = new long[len];
                    for (int i = 0; i < len; i++) rowIds[i] = (long) ids[r * len + i];
                    Tokenizer.Encoding prompt = new Tokenizer.Encoding(rowIds, Arrays.copyOfRange(mask, r * len, (r + 1) * len), List.of(), List.of());
                    float[] actual = velocity(sessions, config, Arrays.copyOfRange(video, r * per, (r + 1) * per),
                            Arrays.copyOfRange(t, r * chunks, (r + 1) * chunks), prompt, frames, height, width);
                    double err = Arrays2.relL2(actual, Arrays2.toDouble(Arrays.copyOfRange(expected, r * per, (r + 1) * per)));
                    String where = c + " row " + r;
                    System.out.printf("%s: chunk-by-chunk ORT vs DJL velocity relL2 %.2e%n", where, err);
                    assertTrue(err < 1e-4, () -> where + ": ORT vs DJL velocity relL2 " + err);
                }
            }
        }
    }

    /** The velocity of a whole clip, computed chunk after chunk with a key/value cache. */
    private static float[] velocity(ModelSessions sessions, ModelConfig config, float[] video, float[] t, Tokenizer.Encoding prompt,
                                    int frames, int height, int width) {
        int[] patch = config.patch();
        int chunkFrames = config.causalChunkFrames();
        Patchifier whole = new Patchifier(config.channels(), patch[0], patch[1], patch[2], frames, height, width);
        TokenGrid grid = whole.grid();
        float[] patches = whole.patchify(video);
        float[] velocity = new float[patches.length];
        int p = config.patchSize();
        int perFrame = grid.tokensPerFrame();
        int chunks = t.length;
        try (KvCache cache = new KvCache(config.blocks(), 1, config.heads(), config.headDim(), chunks, chunkFrames * perFrame)) {
            for (int c = 0; c < chunks; c++) {
                int first = c * chunkFrames;
                int f = Math.min(chunkFrames, grid.frames() - first);
                TokenGrid chunkGrid = new TokenGrid(f, grid.height(), grid.width());
                AttentionShape shape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(chunkGrid));
                int n = chunkGrid.volume();
                try (TinyStages ws = new TinyStages(sessions, config, chunkGrid, 1);
                     AttentionSession dense = new DenseKernel().prepare(shape);
                     ChunkAttention attention = ChunkAttention.uncached(shape)) {
                    ws.framePositions(chunkGrid, first, grid.frames());
                    ws.encodeTokens(List.of(prompt));
                    ws.embed(Arrays.copyOfRange(patches, first * perFrame * p, (first * perFrame + n) * p), t[c]);
                    for (int layer = 0; layer < config.blocks(); layer++) {
                        ws.pre(layer);
                        attention.forward(dense, ws.q(0), ws.k(0), ws.v(0), cache.context(layer, 0),
                                AttentionContext.standalone().withLayer(layer), ws.out(0));
                        if (f == chunkFrames) cache.append(layer, 0, ws.k(0), ws.v(0));
                        ws.post(layer);
                    }
                    if (f == chunkFrames) cache.commit();
                    ws.head();
                    System.arraycopy(ws.output(), 0, velocity, first * perFrame * p, n * p);
                }
            }
        }
        return whole.unpatchify(velocity);
    }
}
