package io.tilewise.pipeline.quality;

/**
 * What a clip's pixels show.
 *
 * @param background     nearest background word (median of the border pixels)
 * @param color          nearest object color word (of the object's core), or null when no object pixels were found
 * @param shape          circle, square or triangle from how much of its bounding box the object fills, or null
 * @param direction      left/right/up/down from the centroid's displacement (null for one frame or no motion)
 * @param objectFraction share of pixels that differ clearly from the background, averaged over frames
 * @param fill           mean fill of the object's bounding box (square ≈ 1, circle ≈ 0.79, triangle ≈ 0.5)
 */
public record ClipReading(String background, String color, String shape, String direction, double objectFraction,
                          double fill) {
}
