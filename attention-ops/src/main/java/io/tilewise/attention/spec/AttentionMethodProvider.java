package io.tilewise.attention.spec;

import io.tilewise.attention.api.AttentionKernel;

/**
 * One attention method: its id, a one-line summary, and a factory from a parsed spec. Providers are found with
 * {@link java.util.ServiceLoader}, so modules above attention-ops (reorder, caches) add methods the same way.
 */
public interface AttentionMethodProvider {

    String id();

    /** One line for help texts, with the spec keys, e.g. "blocksparse:keep=F,seed=N,tile=N — random tile masks". */
    String summary();

    /** Builds the kernel; invalid parameters throw {@link SpecException}. */
    AttentionKernel create(MethodSpec spec);
}
