package io.tilewise.pipeline.io;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;

/**
 * Whether the FFmpeg natives on the class path can encode H.264 the way the MP4 writers do. They use libx264, which
 * only FFmpeg's GPL build contains; an app that swaps in the LGPL build (Maven profile {@code lgpl}, or its own
 * {@code org.bytedeco:ffmpeg} natives) keeps WebM (VP9), GIF and PNG, and gets this one line for MP4.
 */
public final class H264Encoder {

    private static final String LIBX264 = "libx264";

    private H264Encoder() {
    }

    public static boolean available() {
        Ffmpeg.prepare(); // JavaCPP's settings must be in place before FFmpeg's natives load
        AVCodec codec = avcodec.avcodec_find_encoder_by_name(LIBX264);
        return codec != null && !codec.isNull();
    }

    /** @throws IllegalArgumentException naming the file and what to write instead, when libx264 is missing */
    public static void require(Object target) {
        if (!available()) {
            throw new IllegalArgumentException("output " + target + ": MP4 (H.264) needs libx264, which only FFmpeg's GPL build has, "
                    + "and this class path has another FFmpeg build; write .webm (VP9), .gif or .png instead");
        }
    }
}
