package io.tilewise.wan.vae;

import java.util.List;

/**
 * One ONNX graph of the chunked Wan VAE decoder: input {@code x}, output {@code y}, plus one input/output pair per
 * causal convolution whose last input frames it carries to the next chunk.
 *
 * @param model    the serialized graph; null for a first-chunk placeholder of a temporal segment (that chunk skips it)
 * @param temporal true for the time convolution of a temporal up-sampler, which diffusers skips on the first chunk
 *                 (that chunk's frame passes through un-doubled)
 */
record VaeSegment(String name, byte[] model, List<CacheSlot> caches, boolean temporal) {

    /**
     * A carried feature cache: the last {@code 2} input frames of one causal convolution, frames first:
     * {@code [2, C, h, w]}; zeros before the first chunk, which equals diffusers' causal zero padding (the first chunk's
     * graphs have them folded in and only output the slot).
     */
    record CacheSlot(String input, String output, long[] shape) {
    }
}
