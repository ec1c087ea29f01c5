package io.tilewise.wan.vae;

import java.util.List;

/**
 * One ONNX graph of the chunked Wan VAE decoder: input {@code x}, output {@code y}, plus one input/output pair per
 * causal convolution whose last input frames it carries to the next chunk.
 *
 * @param temporal true for the time convolution of a temporal up-sampler, which diffusers skips on the first chunk
 *                 (that chunk's frame passes through un-doubled)
 */
record VaeSegment(String name, byte[] model, List<CacheSlot> caches, boolean temporal) {

    /**
     * A carried feature cache: the last {@code 2} input frames of one causal convolution, frames first:
     * {@code [2, C, h, w]}; it starts as zeros, which equals the causal zero padding of the first chunk.
     */
    record CacheSlot(String input, String output, long[] shape) {
    }
}
