package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.spec.AttentionMethodProvider;
import io.tilewise.attention.spec.MethodSpec;

public final class BlockSparseProvider implements AttentionMethodProvider {
    @Override
    public String id() {
        return "blocksparse";
    }

    @Override
    public String summary() {
        return "blocksparse:keep=F,seed=N,tile=N — random key tiles per query tile at kept fraction F (default 0.25, tile 128)";
    }

    @Override
    public AttentionKernel create(MethodSpec spec) {
        return new BlockSparseKernel(BlockSparseSpec.parse(spec));
    }
}
