package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.io.UserFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results file of a sweep: one JSON object per finished cell, one line each, appended as cells finish.
 *
 * <p>Each line goes out in a single write of the whole line (newline included) followed by an fsync, so after a
 * crash or SIGKILL the file holds every finished cell and at most one partial last line — the cell in flight. A
 * partial last line (no newline) is ignored when reading and cut off before the next append.
 */
public final class SweepLog implements AutoCloseable {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private FileChannel channel;

    private SweepLog(Path file) {
        this.file = file;
    }

    /** Opens {@code file} for appending (created if missing), first cutting a partial last line. */
    public static SweepLog open(Path file) {
        SweepLog log = new SweepLog(file);
        try {
            if (Files.exists(file)) UserFiles.requireRegularFile(file, "sweep results"); // a FIFO here would block
            log.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            long complete = completeLength(file);
            if (log.channel.size() > complete) {
                log.channel.truncate(complete);
                log.channel.force(true);
            }
            log.channel.position(complete);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
        return log;
    }

    /** Appends one finished cell: the whole line in one write, then fsync. */
    public synchronized void append(ObjectNode line) {
        byte[] bytes = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The finished cells in {@code file} by key (the last line of a key wins), ignoring a partial last line. Empty
     * when the file does not exist.
     */
    public static Map<String, ObjectNode> read(Path file) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (ObjectNode line : lines(file)) {
            JsonNode key = line.get("cell");
            if (key != null && key.isTextual()) out.put(key.asText(), line);
        }
        return out;
    }

    /** Every complete line of {@code file}, parsed. */
    public static List<ObjectNode> lines(Path file) {
        List<ObjectNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        try {
            UserFiles.requireRegularFile(file, "sweep results");
            byte[] all = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') continue;
                String text = new String(all, start, i - start, StandardCharsets.UTF_8).strip();
                start = i + 1;
                if (text.isEmpty()) continue;
                JsonNode node = MAPPER.readTree(text);
                if (node instanceof ObjectNode o) out.add(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not a sweep results file: " + e.getMessage(), e);
        }
        return out;
    }

    /** Bytes up to and including the last newline. */
    static long completeLength(Path file) throws IOException {
        if (!Files.exists(file)) return 0;
        UserFiles.requireRegularFile(file, "sweep results");
        byte[] all = Files.readAllBytes(file);
        for (int i = all.length - 1; i >= 0; i--) if (all[i] == '\n') return i + 1;
        return 0;
    }

    @Override
    public synchronized void close() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            channel = null;
        }
    }
}
