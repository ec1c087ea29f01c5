package io.tilewise.pipeline.io;

import org.bytedeco.ffmpeg.global.avutil;

import java.io.IOException;

/**
 * FFmpeg through JavaCPP, set up once for the video writers.
 *
 * <p>JavaCPP refuses native allocations once the resident memory of the <em>whole process</em> passes its
 * {@code maxPhysicalBytes}, by default four times the max heap. A generation holds ONNX Runtime's sessions and our
 * tensors off the heap, so under {@code -Xmx96m} it passed Tilewise's memory estimate and then the encoder died
 * (a 39-line {@code OutOfMemoryError}: physicalBytes 540M > maxPhysicalBytes 384M) though it needs a few MB. The
 * writers leave that check off (unless {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes} is set), and a real
 * shortage of memory while encoding is one line ({@link #outOfMemory}).
 */
final class Ffmpeg {

    private static final String MAX_PHYSICAL = "org.bytedeco.javacpp.maxPhysicalBytes";

    static {
        if (System.getProperty(MAX_PHYSICAL) == null) System.setProperty(MAX_PHYSICAL, "0");
    }

    private Ffmpeg() {
    }

    /** Loads FFmpeg and silences its INFO output (libx264's ~25-line banner buried the result on stderr). */
    static void prepare() {
        try {
            avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        } catch (OutOfMemoryError e) {
            throw new java.io.UncheckedIOException(outOfMemory("video", e));
        }
    }

    /** An encoder's OutOfMemoryError as one line naming the file and what to do. */
    static IOException outOfMemory(String format, OutOfMemoryError e) {
        return new IOException("not enough memory to encode " + format + " (" + e.getMessage()
                + "); give Java more memory (TILEWISE_JAVA_OPTS=-Xmx…) or write a .gif or .png");
    }
}
