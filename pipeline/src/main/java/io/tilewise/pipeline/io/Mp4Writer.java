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
 * MP4 (H.264, yuv420p, libx264 from the GPL build of FFmpeg through JavaCV) output. JavaCPP unpacks its natives
 * into {@code org.bytedeco.javacpp.cachedir} (default {@code ~/.javacpp/cache}) on first use. yuv420p needs even
 * sizes, so odd widths or heights are refused.
 */
public final class Mp4Writer {

    private Mp4Writer() {
    }

    /** @param crf x264 constant rate factor (0 = lossless, 18 ≈ visually lossless, 23 = default) */
    public static void write(Video video, Path file, double fps, int crf) {
        if (video.width() % 2 != 0 || video.height() % 2 != 0) {
            throw new IllegalArgumentException("MP4 (H.264, yuv420p) needs an even width and height, got "
                    + video.width() + "x" + video.height());
        }
        if (!(fps > 0) || fps > 240) throw new IllegalArgumentException("fps " + fps + " must be in (0, 240]");
        if (crf < 0 || crf > 51) throw new IllegalArgumentException("crf " + crf + " must be in 0..51");
        Ffmpeg.prepare(); // quiet FFmpeg, JavaCPP without its whole-process memory cap
        H264Encoder.require(file);
        AtomicFiles.write(file, tmp -> {
            try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(tmp.toFile(), video.width(), video.height(), 0)) {
                recorder.setFormat("mp4"); // the temporary name has no .mp4 suffix to guess from
                recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
                recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
                recorder.setFrameRate(fps);
                recorder.setVideoOption("crf", Integer.toString(crf));
                recorder.setVideoOption("preset", "medium");
                recorder.start();
                for (int f = 0; f < video.frames(); f++) {
                    ByteBuffer rgb = ByteBuffer.wrap(video.frameBytes(f));
                    recorder.recordImage(video.width(), video.height(), Frame.DEPTH_UBYTE, 3, video.width() * 3,
                            avutil.AV_PIX_FMT_RGB24, rgb);
                }
                recorder.stop();
            } catch (FrameRecorder.Exception e) {
                throw new IOException("FFmpeg could not encode H.264: " + e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                throw Ffmpeg.outOfMemory("MP4", e);
            }
            Mp4Files.requireComplete(tmp); // FFmpeg does not report every failed write (a full disk)
        });
    }

    public static void write(Video video, Path file, double fps) {
        write(video, file, fps, 18);
    }
}
