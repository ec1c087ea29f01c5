package io.tilewise.attention.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way Tilewise opens a file a user gave it (a model folder's {@code config.json}, weights, shards, index
 * and tokenizer files, {@code .npy} tensors, PARO plans, sweep specs, prompt lists): the path must name a
 * <em>regular</em> file, after following symlinks, and it is read with a hard byte bound.
 *
 * <p>Why: opening a FIFO for reading blocks until some process writes to it (a hang), and a device such as
 * {@code /dev/zero} reports size 0 yet never ends (reading it "whole" runs out of memory). Both are refused here,
 * before the file is opened, with one line naming the role ({@code what}), the path and what it is instead:
 * <pre>
 *   model config /m/config.json is a FIFO (named pipe), not a regular file
 * </pre>
 * The check and the open are two system calls, so a file swapped for a FIFO in between could still block; the
 * readers that take whole files ({@link #readBytes}, {@link #readUtf8}, {@link #newInputStream}) also stop at
 * their byte bound whatever the file turns out to be.
 *
 * <p>Every failure is a {@link UserFileException} (an {@link IOException}): a user mistake, one line, no stack
 * trace on the CLI.
 */
public final class UserFiles {

    private UserFiles() {
    }

    /**
     * Checks that {@code path} names a regular file (symlinks followed) and returns its size.
     *
     * @param what the file's role in messages, e.g. {@code "model config"} or {@code "--q"}
     * @throws UserFileException when it does not exist, is a directory, a FIFO, a device or a socket
     */
    public static long requireRegularFile(Path path, String what) throws UserFileException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new UserFileException(what + " " + path + " does not exist");
        } catch (IOException | SecurityException e) {
            throw new UserFileException(what + " " + path + " cannot be read: " + e.getMessage());
        }
        if (attributes.isRegularFile()) return attributes.size();
        throw new UserFileException(what + " " + path + " is " + kind(path, attributes) + ", not a regular file");
    }

    /**
     * The whole file, at most {@code maxBytes} bytes (larger files are refused by name, also when a file grows or
     * is swapped while being read).
     */
    public static byte[] readBytes(Path path, String what, long maxBytes) throws IOException {
        long size = requireRegularFile(path, what);
        if (size > maxBytes) throw tooLarge(path, what, size, maxBytes);
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > maxBytes) throw grew(path, what, maxBytes);
            return bytes;
        } catch (NoSuchFileException e) {
            throw new UserFileException(what + " " + path + " does not exist");
        }
    }

    /** As {@link #readBytes}, decoded as strict UTF-8: a malformed byte is refused by name, never replaced. */
    public static String readUtf8(Path path, String what, long maxBytes) throws IOException {
        byte[] bytes = readBytes(path, what, maxBytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UserFileException(what + " " + path + " is not valid UTF-8");
        }
    }

    /**
     * A stream over the file that fails with {@link UserFileException} once more than {@code maxBytes} bytes have
     * been read (for readers that stream, such as {@code .npy} data or plan bodies).
     */
    public static InputStream newInputStream(Path path, String what, long maxBytes) throws IOException {
        long size = requireRegularFile(path, what);
        if (size > maxBytes) throw tooLarge(path, what, size, maxBytes);
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw new UserFileException(what + " " + path + " does not exist");
        }
        return new Bounded(in, maxBytes, path, what);
    }

    /**
     * A read-only channel (for memory mapping and positional reads) on a checked regular file; its
     * {@code size()} is then the real size, so the caller's bounds hold.
     */
    public static FileChannel openChannel(Path path, String what) throws IOException {
        requireRegularFile(path, what);
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserFileException(what + " " + path + " does not exist");
        }
    }

    private static UserFileException tooLarge(Path path, String what, long size, long maxBytes) {
        return new UserFileException(what + " " + path + " has " + size + " bytes, over the limit of " + maxBytes);
    }

    /** The size checked before opening was not the size read: the file grew or was replaced meanwhile. */
    private static UserFileException grew(Path path, String what, long maxBytes) {
        return new UserFileException(what + " " + path + " gave more than " + maxBytes + " bytes (it changed while being read)");
    }

    /** What a non-regular file is, in words; the Unix mode tells FIFOs from devices where the platform has it. */
    private static String kind(Path path, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) return "a directory";
        try {
            int type = ((Integer) Files.getAttribute(path, "unix:mode")) & 0170000;
            switch (type) {
                case 0010000: return "a FIFO (named pipe)";
                case 0020000: return "a character device";
                case 0060000: return "a block device";
                case 0140000: return "a socket";
                default: break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException
                 | SecurityException e) {
            // no Unix attributes here: fall back to the generic words
        }
        return "a pipe, device or other special file";
    }

    /** Counts bytes and fails past the bound. */
    private static final class Bounded extends FilterInputStream {
        private final long max;
        private final Path path;
        private final String what;
        private long count;

        Bounded(InputStream in, long max, Path path, String what) {
            super(in);
            this.max = max;
            this.path = path;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) count(skipped);
            return skipped;
        }

        private void count(long n) throws UserFileException {
            count += n;
            if (count > max) throw grew(path, what, max);
        }
    }
}
