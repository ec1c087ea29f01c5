package io.tilewise.attention.tensor;

/**
 * Runs an attention computation in a permuted token order: {@link #gather} copies q, k, v rows into that order,
 * the caller computes on {@link #q()}, {@link #k()}, {@link #v()} into {@link #out()} (and {@link #lse()}), and
 * {@link #scatter} puts the rows back in the caller's order. Buffers are allocated on first use for a shape and
 * kept; one call at a time per instance.
 */
public final class PermutedCall implements AutoCloseable {

    private final RowPermutation permutation;
    private Tensor q, k, v, out, lse;

    /** {@code order[p]} = caller row of permuted row {@code p}. */
    public PermutedCall(int[] order) {
        this.permutation = new RowPermutation(order);
    }

    /** A call for {@code order}, or null when the order is null or the identity (nothing to permute). */
    public static PermutedCall ofOrder(int[] order) {
        return RowPermutation.ofOrder(order) == null ? null : new PermutedCall(order);
    }

    /** An attention computation on q, k, v into out and (when not null) lse. */
    @FunctionalInterface
    public interface Attention {
        void compute(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse);
    }

    /** Runs {@code attention} in {@code call}'s order, or directly on the inputs when {@code call} is null. */
    public static void run(PermutedCall call, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Attention attention) {
        if (call == null) {
            attention.compute(q, k, v, out, lse);
            return;
        }
        call.gather(q, k, v);
        attention.compute(call.q, call.k, call.v, call.out, lse == null ? null : call.lse);
        call.scatter(out, lse);
    }

    public void gather(Tensor q, Tensor k, Tensor v) {
        if (this.q == null || !this.q.sameShape(q)) {
            close();
            this.q = q.zerosLike();
            this.k = k.zerosLike();
            this.v = v.zerosLike();
            this.out = q.zerosLike();
            this.lse = q.lseLike();
        }
        permutation.gather(q, this.q);
        permutation.gather(k, this.k);
        permutation.gather(v, this.v);
    }

    /** Puts the permuted output (and LSE, when {@code lse} is not null) back into the caller's order. */
    public void scatter(Tensor out, Tensor lse) {
        permutation.scatter(this.out, out);
        if (lse != null) permutation.scatter(this.lse, lse);
    }

    public Tensor q() {
        return q;
    }

    public Tensor k() {
        return k;
    }

    public Tensor v() {
        return v;
    }

    public Tensor out() {
        return out;
    }

    public Tensor lse() {
        return lse;
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {q, k, v, out, lse}) {
            if (t != null) t.close();
        }
        q = k = v = out = lse = null;
    }
}
