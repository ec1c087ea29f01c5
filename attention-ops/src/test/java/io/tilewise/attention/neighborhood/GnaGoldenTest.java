package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed gna-* golden cases (independent fp64 implementation): kernel and reference reproduce them. */
class GnaGoldenTest {

    private static final double REL_L2 = 1e-4;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gna-1d-dilated", "gna-2d-strided", "gna-3d-causal-text-prefix", "gna-3d-text-suffix"})
    void kernelAndReferenceReproduceTheGoldenOutput(String name) throws IOException {
        String json = resource(name, "case.json");
        String method = string(json, "method");
        TokenLayout layout = layout(json);
        try (Tensor q = npy(name, "q.npy"); Tensor k = npy(name, "k.npy"); Tensor v = npy(name, "v.npy");
             Tensor expected = npy(name, "out.npy"); Tensor actual = q.zerosLike(); Tensor reference = q.zerosLike()) {
            AttentionShape shape = new AttentionShape(q.batch(), q.heads(), q.headDim(), layout);
            float scale = AttentionContext.standalone().scaleFor(q.headDim());
            try (AttentionSession session = AttentionMethods.create(method).prepare(shape)) {
                session.forward(q, k, v, AttentionContext.standalone(), actual);
            }
            GnaReference.forward(GnaSpec.parse(method), layout, q, k, v, scale, reference, null);
            TensorMetrics kernel = TensorMetrics.compare(actual, expected);
            TensorMetrics oracle = TensorMetrics.compare(reference, expected);
            assertTrue(kernel.relL2() <= REL_L2, () -> name + " kernel: " + kernel);
            assertTrue(oracle.relL2() <= REL_L2, () -> name + " reference: " + oracle);
        }
    }

    private static TokenLayout layout(String json) {
        Matcher grid = Pattern.compile("\"grid\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]").matcher(json);
        assertTrue(grid.find(), "case.json has no grid");
        Matcher text = Pattern.compile("\"textTokens\"\\s*:\\s*(\\d+)").matcher(json);
        assertTrue(text.find(), "case.json has no textTokens");
        TextPlacement placement = TextPlacement.valueOf(string(json, "textPlacement").toUpperCase(Locale.ROOT));
        return new TokenLayout(new TokenGrid(Integer.parseInt(grid.group(1)), Integer.parseInt(grid.group(2)),
                Integer.parseInt(grid.group(3))), Integer.parseInt(text.group(1)), placement);
    }

    private static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), "case.json has no " + key);
        return m.group(1);
    }

    private static String resource(String name, String file) throws IOException {
        try (InputStream in = open(name, file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Tensor npy(String name, String file) throws IOException {
        try (InputStream in = open(name, file)) {
            byte[] bytes = in.readAllBytes();
            return Npy.read(new java.io.ByteArrayInputStream(bytes), bytes.length, name + "/" + file).toTensor(name + "/" + file);
        }
    }

    private static InputStream open(String name, String file) {
        InputStream in = GnaGoldenTest.class.getResourceAsStream("/golden/attention/" + name + "/" + file);
        assertNotNull(in, "missing golden file " + name + "/" + file);
        return in;
    }
}
