package io.tilewise.attention.api;

/** Classifier-free guidance branch: caches must never share state across branches. */
public enum Branch {
    COND,
    UNCOND
}
