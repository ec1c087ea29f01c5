package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.io.AtomicFiles;
import io.tilewise.pipeline.run.Video;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The dense videos of a generation sweep, kept on disk (a resumed sweep compares later cells with them): one file
 * per group under {@code references/}, named by a hash of the group, holding the exact floats ({@code TWV1}, frames,
 * height, width, then RGB little-endian).
 */
final class ReferenceVideos {

    private static final int MAGIC = 0x54575631; // "TWV1"

    private final Path dir;

    ReferenceVideos(Path sweepDir) {
        this.dir = sweepDir.resolve("references");
    }

    Path file(String group) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(group.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(hash, 0, 12) + ".video");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void save(String group, Video video) {
        ByteBuffer rgb = ByteBuffer.allocate(video.rgb().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        rgb.asFloatBuffer().put(video.rgb());
        AtomicFiles.write(file(group), tmp -> {
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
                out.writeInt(MAGIC);
                out.writeInt(video.frames());
                out.writeInt(video.height());
                out.writeInt(video.width());
                out.write(rgb.array());
            }
        });
    }

    /** The saved video of {@code group}, or null when there is none. */
    Video load(String group) {
        Path f = file(group);
        if (!Files.isRegularFile(f)) return null;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(f))) {
            if (in.readInt() != MAGIC) throw new IOException("not a reference video");
            int frames = in.readInt(), height = in.readInt(), width = in.readInt();
            byte[] bytes = in.readNBytes(frames * height * width * 3 * 4);
            float[] rgb = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rgb);
            return new Video(frames, height, width, rgb);
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException(f + ": " + e.getMessage(), e));
        }
    }
}
