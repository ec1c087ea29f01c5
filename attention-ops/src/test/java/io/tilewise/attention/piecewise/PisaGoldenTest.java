package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The independent golden cases (float64, docs/methods.md §5.1) reproduced by the reference and by the kernel. */
class PisaGoldenTest {

    private static final double REL_L2 = 1e-4;
    private static final Pattern METHOD = Pattern.compile("\"method\"\\s*:\\s*\"([^\"]+)\"");

    @ParameterizedTest
    @ValueSource(strings = {"pisa-d0.25", "pisa-d1.0"})
    void referenceAndKernelReproduceTheGoldenCase(String name) throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/golden/attention/" + name + "/case.json").toURI()).getParent();
        Matcher m = METHOD.matcher(Files.readString(dir.resolve("case.json")));
        assertTrue(m.find(), name + ": case.json has no method");
        String spec = m.group(1);
        try (Tensor q = Npy.read(dir.resolve("q.npy")).toTensor("q");
             Tensor k = Npy.read(dir.resolve("k.npy")).toTensor("k");
             Tensor v = Npy.read(dir.resolve("v.npy")).toTensor("v");
             Tensor expected = Npy.read(dir.resolve("out.npy")).toTensor("out");
             Tensor reference = q.zerosLike();
             Tensor actual = q.zerosLike()) {
            AttentionShape shape = AttentionShape.of(q.batch(), q.heads(), q.seqLen(), q.headDim());
            float scale = AttentionContext.standalone().scaleFor(q.headDim());
            PisaReference.forward(q, k, v, scale, PisaSpec.parse(MethodSpec.parse(spec)), reference, null);
            AttentionKernel kernel = AttentionMethods.create(spec);
            try (AttentionSession session = kernel.prepare(shape)) {
                session.forward(q, k, v, AttentionContext.standalone(), actual);
            }
            TensorMetrics ref = TensorMetrics.compare(reference, expected);
            TensorMetrics ker = TensorMetrics.compare(actual, expected);
            System.out.printf("%s (%s): reference %s; kernel %s%n", name, spec, ref, ker);
            assertTrue(ref.relL2() <= REL_L2, () -> name + " reference: " + ref);
            assertTrue(ker.relL2() <= REL_L2, () -> name + " kernel: " + ker);
        }
    }
}
