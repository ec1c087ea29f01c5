package io.tilewise.attention.radial;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The independent golden cases {@code golden/attention/radial-*}: kernel and reference reproduce them. */
class RadialGoldenTest {

    static Stream<Path> cases() throws IOException, URISyntaxException {
        Path root = Path.of(RadialGoldenTest.class.getResource("/golden/attention").toURI());
        try (Stream<Path> dirs = Files.list(root)) {
            var list = dirs.filter(d -> d.getFileName().toString().startsWith("radial-")).sorted().toList();
            assertFalse(list.isEmpty(), "no radial golden cases under " + root);
            return list.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kernelAndReferenceReproduceTheGoldenCase(Path dir) throws IOException {
        String json = Files.readString(dir.resolve("case.json"));
        String method = string(json, "method");
        Matcher g = Pattern.compile("\"grid\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]").matcher(json);
        assertTrue(g.find(), "grid in " + dir);
        TokenGrid grid = new TokenGrid(Integer.parseInt(g.group(1)), Integer.parseInt(g.group(2)), Integer.parseInt(g.group(3)));
        Matcher t = Pattern.compile("\"textTokens\"\\s*:\\s*(\\d+)").matcher(json);
        int text = t.find() ? Integer.parseInt(t.group(1)) : 0;
        TextPlacement placement = TextPlacement.valueOf(string(json, "textPlacement").toUpperCase(Locale.ROOT));
        TokenLayout layout = new TokenLayout(grid, text, placement);

        try (Tensor q = Npy.read(dir.resolve("q.npy")).toTensor("q");
             Tensor k = Npy.read(dir.resolve("k.npy")).toTensor("k");
             Tensor v = Npy.read(dir.resolve("v.npy")).toTensor("v");
             Tensor expected = Npy.read(dir.resolve("out.npy")).toTensor("out");
             Tensor actual = q.zerosLike();
             Tensor reference = q.zerosLike()) {
            assertEquals(layout.seqLen(), q.seqLen(), "layout of " + dir);
            AttentionShape shape = new AttentionShape(1, q.heads(), q.headDim(), layout);
            AttentionKernel kernel = AttentionMethods.create(method);
            try (AttentionSession session = kernel.prepare(shape)) {
                session.forward(q, k, v, AttentionContext.standalone(), actual);
                assertTrue(session.executedDensity() < 1.0, "the case is sparse: " + session.executedDensity());
            }
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            assertTrue(m.relL2() <= 1e-4, () -> dir.getFileName() + " kernel: " + m);

            RadialSpec spec = RadialSpec.parse(MethodSpec.parse(method));
            RadialReference.forward(q, k, v, AttentionContext.standalone().scaleFor(q.headDim()), layout, spec, reference, null);
            TensorMetrics r = TensorMetrics.compare(reference, expected);
            assertTrue(r.relL2() <= 1e-5, () -> dir.getFileName() + " reference: " + r);
        }
    }

    private static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }
}
