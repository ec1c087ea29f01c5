package io.tilewise.attention.api;

/** The shape one attention session is bound to: {@code [batch, heads, seqLen, headDim]} plus its token layout. */
public record AttentionShape(int batch, int heads, int headDim, TokenLayout layout) {

    public AttentionShape {
        if (batch < 1) throw new IllegalArgumentException("batch " + batch + " must be >= 1");
        if (heads < 1) throw new IllegalArgumentException("heads " + heads + " must be >= 1");
        if (headDim < 1 || headDim > 1024) throw new IllegalArgumentException("headDim " + headDim + " must be in 1..1024");
        if (layout == null) throw new IllegalArgumentException("layout must be given");
    }

    public static AttentionShape of(int batch, int heads, int seqLen, int headDim) {
        return new AttentionShape(batch, heads, headDim, TokenLayout.sequence(seqLen));
    }

    public int seqLen() {
        return layout.seqLen();
    }

    /** FLOPs of dense attention: 4·N²·headDim per (batch, head) — QKᵀ and PV, multiply-add = 2. */
    public double denseFlops() {
        return 4.0 * seqLen() * (double) seqLen() * headDim * heads * batch;
    }

    @Override
    public String toString() {
        return "[batch " + batch + ", heads " + heads + ", seqLen " + seqLen() + ", headDim " + headDim + "] layout " + layout;
    }
}
