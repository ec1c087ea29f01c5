package io.tilewise.pipeline.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks that an MP4 FFmpeg wrote is complete before it replaces the target. FFmpeg (through JavaCV) does not
 * report every failed write: onto a full disk it returned normally and left 24 KB without the {@code moov} box (the
 * index every player needs), which then replaced a good file. A complete file is a run of top-level boxes that
 * ends exactly at the end of the file and holds {@code ftyp} and {@code moov}.
 */
final class Mp4Files {

    private Mp4Files() {
    }

    /** @throws IOException naming what is missing when {@code file} is not a complete MP4 */
    static void requireComplete(Path file) throws IOException {
        boolean ftyp = false;
        boolean moov = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = 0;
            ByteBuffer head = ByteBuffer.allocate(16);
            while (position < size) {
                head.clear().limit(8);
                if (!readFully(channel, head, position)) throw incomplete("a box header at byte " + position + " is cut off");
                long boxSize = head.getInt(0) & 0xffffffffL;
                String type = new String(head.array(), 4, 4, StandardCharsets.ISO_8859_1);
                if (boxSize == 1) { // a 64-bit size follows the type
                    head.limit(16);
                    if (!readFully(channel, head, position)) throw incomplete("box " + type + " at byte " + position + " is cut off");
                    boxSize = head.getLong(8);
                } else if (boxSize == 0) { // extends to the end of the file
                    boxSize = size - position;
                }
                if (boxSize < 8 || boxSize > size - position) {
                    throw incomplete("box " + type + " at byte " + position + " runs past the end of the " + size + "-byte file");
                }
                ftyp |= type.equals("ftyp");
                moov |= type.equals("moov");
                position += boxSize;
            }
        }
        if (!ftyp) throw incomplete("no ftyp box");
        if (!moov) throw incomplete("no moov box, the index every player needs");
    }

    private static boolean readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) return false;
        }
        return true;
    }

    private static IOException incomplete(String why) {
        return new IOException("the encoder wrote an incomplete MP4 (" + why + "); is the disk full?");
    }
}
