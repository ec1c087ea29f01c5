package io.tilewise.caches.state;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.Branch;

/**
 * Where a cached partial attention belongs: transformer layer, CFG branch and head group. Cond and uncond see
 * different hidden states, so they never share an entry; a head group is the set of heads one call carries
 * ({@code firstHead}, {@code heads}), so sessions that split heads across calls keep them apart too.
 */
public record CacheKey(int layer, Branch branch, int firstHead, int heads) {

    public CacheKey {
        if (branch == null) throw new IllegalArgumentException("branch must be given");
        if (firstHead < 0 || heads < 1) throw new IllegalArgumentException("head group " + firstHead + "+" + heads + " is empty or negative");
    }

    /** The key of a call over all {@code heads} heads of a layer. */
    public static CacheKey of(AttentionContext ctx, int heads) {
        return new CacheKey(ctx.layer(), ctx.branch(), 0, heads);
    }
}
