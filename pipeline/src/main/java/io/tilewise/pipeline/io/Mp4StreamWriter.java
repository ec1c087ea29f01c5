package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * MP4 written while the video is still being generated: frames are encoded as they arrive (a streaming generation's
 * chunks), into a temporary file that is renamed over the target only when the producer finishes — a failed or
 * interrupted generation leaves no partial MP4 (docs/design.md §7). Same encoding as {@link Mp4Writer}.
 */
public final class Mp4StreamWriter {

    /** Takes frames in order. */
    @FunctionalInterface
    public interface FrameSink {
        void add(Video frames);
    }

    /** Produces the video into the sink (e.g. runs a streaming generation). */
    @FunctionalInterface
    public interface Producer {
        void produce(FrameSink sink);
    }

    private Mp4StreamWriter() {
    }

    public static void write(Path file, int width, int height, double fps, Producer producer) {
        write(file, width, height, fps, 18, producer);
    }

    /** @param crf x264 constant rate factor (0 = lossless, 18 ≈ visually lossless) */
    public static void write(Path file, int width, int height, double fps, int crf, Producer producer) {
        if (width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("MP4 (H.264, yuv420p) needs an even width and height, got " + width + "x" + height);
        }
        if (!(fps > 0) || fps > 240) throw new IllegalArgumentException("fps " + fps + " must be in (0, 240]");
        if (crf < 0 || crf > 51) throw new IllegalArgumentException("crf " + crf + " must be in 0..51");
        Ffmpeg.prepare(); // quiet FFmpeg, JavaCPP without its whole-process memory cap
        H264Encoder.require(file);
        AtomicFiles.write(file, tmp -> {
            try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(tmp.toFile(), width, height, 0)) {
                recorder.setFormat("mp4");
                recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
                recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                recorder.setFrameRate(fps);
                recorder.setVideoOption("crf", Integer.toString(crf));
                recorder.setVideoOption("preset", "medium");
                recorder.start();
                producer.produce(frames -> record(recorder, frames, width, height));
                recorder.stop();
            } catch (FrameRecorder.Exception e) {
                throw new IOException("FFmpeg could not encode H.264: " + e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                throw Ffmpeg.outOfMemory("MP4", e);
            }
            Mp4Files.requireComplete(tmp); // FFmpeg does not report every failed write (a full disk)
        });
    }

    private static void record(FFmpegFrameRecorder recorder, Video frames, int width, int height) {
        if (frames.width() != width || frames.height() != height) {
            throw new IllegalArgumentException("frames of " + frames.width() + "x" + frames.height() + " for an MP4 of " + width + "x" + height);
        }
        try {
            for (int f = 0; f < frames.frames(); f++) {
                recorder.recordImage(width, height, Frame.DEPTH_UBYTE, 3, width * 3, avutil.AV_PIX_FMT_RGB24,
                        ByteBuffer.wrap(frames.frameBytes(f)));
            }
        } catch (FrameRecorder.Exception e) {
            throw new UncheckedIOException(new IOException("FFmpeg could not encode H.264: " + e.getMessage(), e));
        }
    }
}
