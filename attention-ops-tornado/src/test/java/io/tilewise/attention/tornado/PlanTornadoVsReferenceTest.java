package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.neighborhood.GnaReference;
import io.tilewise.attention.neighborhood.GnaSpec;
import io.tilewise.attention.neighborhood.GnaTiling;
import io.tilewise.attention.radial.RadialReference;
import io.tilewise.attention.radial.RadialSpec;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan executor on the device — exact tiles whole and under a token predicate (bit-masked partial tiles), with
 * per-head plans and tilings that straddle the tiled kernel's row blocks and key chunks — against the fp64
 * reference masked with the same predicate; and the methods that run as fixed plans (blocksparse, radial, gna with
 * its token orders) through the backend.
 */
class PlanTornadoVsReferenceTest {

    /** Tilings (query tile, key tile): aligned, not multiples of the 64-row blocks or 32-key chunks, > 64 rows. */
    private static final int[][] TILINGS = {{64, 64}, {96, 80}, {130, 50}};

    @BeforeEach
    void device() {
        DeviceCheck.requireDevice();
    }

    /** A band of varying width plus scattered pairs, different per head: most tiles partly covered. */
    static final TokenMask PREDICATE = new TokenMask() {
        @Override
        public boolean allowed(int query, int key) {
            return allowed(0, query, key);
        }

        @Override
        public boolean allowed(int head, int query, int key) {
            return Math.abs(query - key) <= 40 + 7 * head || (query * 31 + key * 17 + head) % 5 == 0 || key == 0;
        }
    };

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        List<AttentionShape> shapes = DeviceCheck.foundationShapes().toList();
        for (int i = 0; i < shapes.size(); i++) {
            for (AttentionGraph.Variant variant : AttentionGraph.Variant.values()) {
                int[] tiling = TILINGS[(i + variant.ordinal()) % TILINGS.length];
                cases.add(Arguments.of(shapes.get(i), variant, tiling[0], tiling[1]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} {0} tiles {2}x{3}")
    @MethodSource("cases")
    void tokenPredicatePlansMatchTheMaskedReferenceOnTheFoundationShapes(AttentionShape shape, AttentionGraph.Variant variant,
                                                                          int qTile, int kTile) {
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(shape.seqLen(), qTile, kTile, shape.heads(), PREDICATE);
        try (AttentionSession s = TornadoPlanSession.of(shape, plan, null, null, variant)) {
            TensorMetrics m = DeviceCheck.againstReference(s, PREDICATE, 21, "plan " + variant + " " + qTile + "x" + kTile);
            System.out.printf("plan  %-5s %-60s tiles %3dx%-3d masked %4d relL2 %.2e maxAbs %.2e%n", variant, shape, qTile,
                    kTile, plan.maskedEntries(), m.relL2(), m.maxAbs());
        }
    }

    @Test
    void aSharedPlanServesEveryHeadAndBatch() {
        AttentionShape shape = AttentionShape.of(2, 3, 333, 40);
        TokenMask causal = (q, k) -> k <= q;
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(shape.seqLen(), 64, 32, 1, causal);
        for (AttentionGraph.Variant variant : AttentionGraph.Variant.values()) {
            try (AttentionSession s = TornadoPlanSession.of(shape, plan, null, null, variant)) {
                DeviceCheck.againstReference(s, causal, 4, "causal " + variant);
            }
        }
    }

    @Test
    void blocksparseAndRadialRunThroughTheBackend() {
        TornadoAttentionBackend backend = new TornadoAttentionBackend();
        AttentionShape random = AttentionShape.of(1, 2, 700, 64);
        var blocksparse = (io.tilewise.attention.blocksparse.BlockSparseKernel) AttentionMethods.create("blocksparse:keep=0.3,tile=64,seed=3");
        BlockSparsePlan plan = blocksparse.plan(random);
        try (AttentionSession s = backend.prepare(blocksparse, random)) {
            TokenMask planMask = new TokenMask() {
                @Override
                public boolean allowed(int query, int key) {
                    return plan.allows(0, query, key);
                }

                @Override
                public boolean allowed(int head, int query, int key) {
                    return plan.allows(head, query, key);
                }
            };
            DeviceCheck.againstReference(s, planMask, 2, "blocksparse");
            assertTrue(Math.abs(s.executedDensity() - plan.executedDensity()) < 1e-12);
        }
        TokenLayout video = TokenLayout.video(new TokenGrid(5, 12, 20));
        AttentionShape shape = new AttentionShape(1, 2, 64, video);
        RadialSpec spec = RadialSpec.parse(MethodSpec.parse("radial:decay=0.5,block=32"));
        try (AttentionSession s = backend.prepare(AttentionMethods.create("radial:decay=0.5,block=32"), shape)) {
            DeviceCheck.againstReference(s, RadialReference.mask(video, spec), 3, "radial");
        }
    }

    /** GNA plans are written in tile orders: q, k, v are gathered on the device and out, lse scattered back. */
    @Test
    void gnaWithBoxTilingsRunsItsTokenOrdersOnTheDevice() {
        TornadoAttentionBackend backend = new TornadoAttentionBackend();
        TokenLayout layout = new TokenLayout(new TokenGrid(3, 9, 13), 5, TextPlacement.PREFIX);
        GnaSpec spec = GnaSpec.parse("gna:window=3x5x5,stride=1x2x1");
        AttentionShape shape = new AttentionShape(1, 2, 72, layout);
        TokenMask mask = GnaReference.mask(spec, layout);
        GnaTiling[] tilings = {GnaTiling.boxes(new int[] {1, 4, 8}, new int[] {2, 4, 4}), GnaTiling.layoutOrder(32, 64)};
        for (GnaTiling tiling : tilings) {
            GnaKernel kernel = new GnaKernel(spec, tiling);
            try (AttentionSession s = backend.prepare(kernel, shape)) {
                DeviceCheck.againstReference(s, mask, 6, "gna " + tiling);
            }
        }
        try (AttentionSession s = backend.prepare(new GnaKernel(spec), shape)) {
            DeviceCheck.againstReference(s, mask, 7, "gna (chosen tiling)");
        }
    }
}
