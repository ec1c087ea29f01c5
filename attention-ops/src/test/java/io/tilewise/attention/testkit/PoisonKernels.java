package io.tilewise.attention.testkit;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;

import java.util.function.Function;

/**
 * A kernel factory for fault tests: method {@code poison} is dense attention that writes {@code value} into its
 * output at one (layer, step, branch) and one position; every other spec comes from the registry.
 */
public record PoisonKernels(int layer, int step, Branch branch, int head, int token, int dim, float value)
        implements Function<MethodSpec, AttentionKernel> {

    @Override
    public AttentionKernel apply(MethodSpec spec) {
        if (!spec.name().equals("poison")) return AttentionMethods.create(spec);
        AttentionKernel dense = AttentionMethods.create("dense");
        return new AttentionKernel() {
            @Override public String id() { return "poison"; }
            @Override public String spec() { return "poison"; }
            @Override public Support supports(AttentionShape shape, Device device) { return dense.supports(shape, device); }

            @Override
            public AttentionSession prepare(AttentionShape shape, Device device) {
                AttentionSession inner = dense.prepare(shape, device);
                return new AttentionSession() {
                    @Override public AttentionShape shape() { return inner.shape(); }
                    @Override public double executedDensity() { return inner.executedDensity(); }
                    @Override public void close() { inner.close(); }

                    @Override
                    public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                        inner.forward(q, k, v, ctx, out, lse);
                        if (ctx.layer() == layer && ctx.step() == step && ctx.branch() == branch) out.set(0, head, token, dim, value);
                    }
                };
            }
        };
    }
}
