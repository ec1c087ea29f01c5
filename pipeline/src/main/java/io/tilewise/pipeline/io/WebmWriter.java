package io.tilewise.pipeline.io;

import io.tilewise.pipeline.run.Video;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * WebM (VP9, yuv420p, libvpx from JavaCV's FFmpeg) output: the royalty-free format every browser — headless Chromium
 * without proprietary codecs included — plays, so reports embed it. Even sizes only (yuv420p).
 */
public final class WebmWriter {

    private WebmWriter() {
    }

    /** @param crf VP9 constant quality, 0 (best) .. 63 */
    public static void write(Video video, Path file, double fps, int crf) {
        if (video.width() % 2 != 0 || video.height() % 2 != 0) {
            throw new IllegalArgumentException("WebM (VP9, yuv420p) needs an even width and height, got "
                    + video.width() + "x" + video.height());
        }
        if (!(fps > 0) || fps > 240) throw new IllegalArgumentException("fps " + fps + " must be in (0, 240]");
        if (crf < 0 || crf > 63) throw new IllegalArgumentException("crf " + crf + " must be in 0..63");
        Ffmpeg.prepare(); // quiet FFmpeg, JavaCPP without its whole-process memory cap
        AtomicFiles.write(file, tmp -> {
            try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(tmp.toFile(), video.width(), video.height(), 0)) {
                recorder.setFormat("webm");
                recorder.setVideoCodec(avcodec.AV_CODEC_ID_VP9);
                recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                recorder.setFrameRate(fps);
                recorder.setVideoBitrate(0); // constant quality: crf alone decides
                recorder.setVideoOption("crf", Integer.toString(crf));
                recorder.setVideoOption("deadline", "good");
                recorder.setVideoOption("cpu-used", "4");
                recorder.start();
                for (int f = 0; f < video.frames(); f++) {
                    recorder.recordImage(video.width(), video.height(), Frame.DEPTH_UBYTE, 3, video.width() * 3,
                            avutil.AV_PIX_FMT_RGB24, ByteBuffer.wrap(video.frameBytes(f)));
                }
                recorder.stop();
            } catch (FrameRecorder.Exception e) {
                throw new IOException("FFmpeg could not encode VP9: " + e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                throw Ffmpeg.outOfMemory("WebM", e);
            }
        });
    }
}
