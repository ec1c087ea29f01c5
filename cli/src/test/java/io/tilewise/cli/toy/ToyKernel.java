package io.tilewise.cli.toy;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparseKernel;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

import java.util.Optional;

/**
 * A method that exists only in test code: {@code toy:stride=S} keeps, for query tile {@code qt}, the key tiles
 * {@code kt ≡ qt (mod S)} of {@link #TILE} tokens. It says what it is only through the kernel API — a fixed tile plan
 * — and nothing outside this package knows it.
 */
public final class ToyKernel implements AttentionKernel {

    public static final int TILE = 16;

    private final int stride;

    ToyKernel(int stride) {
        this.stride = stride;
    }

    @Override
    public String id() {
        return "toy";
    }

    @Override
    public String spec() {
        return "toy:stride=" + stride;
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        return Support.yes();
    }

    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.of(TilePlan.of(plan(shape.seqLen())));
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        return BlockSparseKernel.session(shape, plan(shape.seqLen()));
    }

    private BlockSparsePlan plan(int seqLen) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(seqLen, TILE, TILE, 1);
        for (int qt = 0; qt < b.qTiles(); qt++) {
            for (int kt = 0; kt < b.kTiles(); kt++) {
                if (Math.floorMod(kt - qt, stride) == 0) b.addFull(0, qt, kt);
            }
        }
        return b.build();
    }
}
