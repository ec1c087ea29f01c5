package io.tilewise.reorder;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

import java.io.BufferedInputStream;
import io.tilewise.attention.io.AtomicFiles;
import io.tilewise.attention.io.UserFileException;
import io.tilewise.attention.io.UserFiles;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The versioned binary PARO plan format (big-endian):
 *
 * <pre>
 * magic        8 bytes  "TWPARO\r\n"
 * version      int      1
 * frames, height, width, textTokens   int ×4
 * placement    byte     0 none, 1 prefix, 2 suffix
 * blockSize, groups, layers, heads    int ×4
 * modelIdLen   short    1..256, then modelId (UTF-8)
 * calibratedFor 32 bytes SHA-256(model id, layout) — {@link ParoPlan#calibratedFor}
 * entries      groups·layers·heads × (order id byte + ⌈blocks²/64⌉ longs of bit-packed block mask),
 *              ordered group-major, then layer, then head
 * sha256       32 bytes over everything before it
 * </pre>
 *
 * Reading checks the header bounds and that the file length is exactly what the header implies before
 * allocating anything, then the content hash, then that the plan was calibrated for the expected model id and
 * layout. Any failure is one {@link ParoPlanException} line; no partially read plan is ever returned. Writing
 * goes to a temporary file in the same folder that is renamed over the target.
 */
public final class ParoPlanFile {

    public static final int VERSION = 1;
    static final byte[] MAGIC = {'T', 'W', 'P', 'A', 'R', 'O', '\r', '\n'};
    static final int FIXED_HEADER = 8 + 4 + 4 * 4 + 1 + 4 * 4 + 2;
    static final int HASH_BYTES = 32;

    /** Bounds a header must respect; generous for real models (Wan 720p: 75,600 tokens, 40 layers, 40 heads). */
    static final int MAX_TOKENS = 1 << 22;
    static final int MAX_TEXT = 1 << 16;
    static final int MAX_GROUPS = 1024;
    static final int MAX_LAYERS = 1024;
    static final int MAX_HEADS = 1024;

    private ParoPlanFile() {
    }

    /** Writes {@code plan} to {@code path} atomically (temporary file, then rename). */
    public static void write(ParoPlan plan, Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        AtomicFiles.write(path, temp -> {
            MessageDigest sha = sha256();
            try (OutputStream file = Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 BufferedOutputStream buffered = new BufferedOutputStream(file, 1 << 16)) {
                DataOutputStream out = new DataOutputStream(new DigestOutputStream(buffered, sha));
                writeHeader(plan, out);
                for (int g = 0; g < plan.groups(); g++) {
                    for (int l = 0; l < plan.layers(); l++) {
                        for (int h = 0; h < plan.heads(); h++) {
                            out.writeByte(plan.order(g, l, h).id());
                            for (long w : plan.mask(g, l, h).words()) out.writeLong(w);
                        }
                    }
                }
                out.flush();
                buffered.write(sha.digest());
            }
        });
    }

    /** Reads a plan without checking what it was calibrated for (inspection tools). */
    public static ParoPlan read(Path path) {
        return read(path, null, null);
    }

    /**
     * Reads and validates a plan; {@code expectedModelId} and {@code expectedLayout} (each may be null to skip)
     * must match what the plan was calibrated for.
     *
     * @throws ParoPlanException when the file is missing, unreadable, corrupt, or calibrated for something else
     */
    public static ParoPlan read(Path path, String expectedModelId, TokenLayout expectedLayout) {
        String name = "paro plan " + path;
        long size;
        Header header;
        try (FileChannel channel = UserFiles.openChannel(path, "paro plan")) {
            size = channel.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, FIXED_HEADER + ParoPlan.MAX_MODEL_ID_BYTES + HASH_BYTES));
            while (head.hasRemaining() && channel.read(head) >= 0) {
                // keep reading: small header, bounded above
            }
            head.flip();
            header = Header.parse(head, size, name);
        } catch (UserFileException e) {
            // missing, a FIFO (opening it would block), a device or a directory: one line naming it
            throw new ParoPlanException(e.getMessage());
        } catch (IOException e) {
            throw new ParoPlanException(name + " cannot be read: " + e.getMessage(), e);
        }
        ParoPlan plan = readBody(path, header, size, name);
        checkExpected(plan, expectedModelId, expectedLayout, name);
        return plan;
    }

    private static ParoPlan readBody(Path path, Header header, long size, String name) {
        MessageDigest sha = sha256();
        ParoPlan.Builder builder = ParoPlan.builder(header.modelId, header.layout, header.blockSize, header.groups,
                header.layers, header.heads);
        int words = (int) BlockMask.wordCount(builder.blocks());
        try (InputStream file = UserFiles.newInputStream(path, "paro plan", size);
             BufferedInputStream buffered = new BufferedInputStream(file, 1 << 16)) {
            DataInputStream in = new DataInputStream(new DigestInputStream(buffered, sha));
            in.readFully(new byte[header.headerBytes]);
            long[] bits = new long[words];
            for (int g = 0; g < header.groups; g++) {
                for (int l = 0; l < header.layers; l++) {
                    for (int h = 0; h < header.heads; h++) {
                        int id = in.readUnsignedByte();
                        if (id > 5) {
                            throw new ParoPlanException(name + " is corrupt: entry (group " + g + ", layer " + l + ", head "
                                    + h + ") has axis order id " + id + ", expected 0..5");
                        }
                        for (int w = 0; w < words; w++) bits[w] = in.readLong();
                        try {
                            builder.set(g, l, h, AxisOrder.ofId(id), BlockMask.ofWords(builder.blocks(), bits));
                        } catch (IllegalArgumentException e) {
                            throw new ParoPlanException(name + " is corrupt: entry (group " + g + ", layer " + l
                                    + ", head " + h + "): " + e.getMessage());
                        }
                    }
                }
            }
            byte[] computed = sha.digest();
            byte[] stored = new byte[HASH_BYTES];
            buffered.readNBytes(stored, 0, HASH_BYTES);
            if (!MessageDigest.isEqual(computed, stored)) {
                throw new ParoPlanException(name + " is corrupt: content hash does not match (file damaged or edited)");
            }
        } catch (EOFException e) {
            throw new ParoPlanException(name + " is truncated (changed while reading?)");
        } catch (IOException e) {
            throw new ParoPlanException(name + " cannot be read: " + e.getMessage(), e);
        }
        ParoPlan plan = builder.build();
        if (!Arrays.equals(plan.calibratedFor(), header.calibratedFor)) {
            throw new ParoPlanException(name + " is corrupt: its calibrated-for hash does not match its model id and layout");
        }
        return plan;
    }

    private static void checkExpected(ParoPlan plan, String expectedModelId, TokenLayout expectedLayout, String name) {
        List<String> differences = new ArrayList<>();
        if (expectedModelId != null && !expectedModelId.equals(plan.modelId())) {
            differences.add("model '" + plan.modelId() + "', not '" + expectedModelId + "'");
        }
        if (expectedLayout != null && !expectedLayout.equals(plan.layout())) {
            differences.add("layout " + ParoPlan.describe(plan.layout()) + ", not " + ParoPlan.describe(expectedLayout));
        }
        if (!differences.isEmpty()) {
            throw new ParoPlanException(name + " was calibrated for " + String.join(" and ", differences));
        }
    }

    private static void writeHeader(ParoPlan plan, DataOutputStream out) throws IOException {
        TokenLayout layout = plan.layout();
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(layout.grid().frames());
        out.writeInt(layout.grid().height());
        out.writeInt(layout.grid().width());
        out.writeInt(layout.textTokens());
        out.writeByte(layout.placement().ordinal());
        out.writeInt(plan.blockSize());
        out.writeInt(plan.groups());
        out.writeInt(plan.layers());
        out.writeInt(plan.heads());
        byte[] model = plan.modelId().getBytes(StandardCharsets.UTF_8);
        out.writeShort(model.length);
        out.write(model);
        out.write(plan.calibratedFor());
    }

    /** File length a header implies, or −1 past 2^62 (never reached with the bounds above). */
    static long expectedLength(int headerBytes, long entries, int blocks) {
        return headerBytes + entries * (1 + 8 * BlockMask.wordCount(blocks)) + HASH_BYTES;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The validated fixed part of a plan file. */
    private record Header(int headerBytes, String modelId, TokenLayout layout, int blockSize, int groups, int layers,
                          int heads, byte[] calibratedFor) {

        static Header parse(ByteBuffer in, long fileSize, String name) {
            if (fileSize < FIXED_HEADER) {
                throw new ParoPlanException(name + " is truncated: " + fileSize + " bytes, shorter than the " + FIXED_HEADER + "-byte header");
            }
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new ParoPlanException(name + " is not a PARO plan file (bad magic)");
            int version = in.getInt();
            if (version != VERSION) {
                throw new ParoPlanException(name + " has format version " + version + ", this build reads version " + VERSION);
            }
            int frames = bounded(in.getInt(), 1, MAX_TOKENS, "frames", name);
            int height = bounded(in.getInt(), 1, MAX_TOKENS, "height", name);
            int width = bounded(in.getInt(), 1, MAX_TOKENS, "width", name);
            int text = bounded(in.getInt(), 0, MAX_TEXT, "text tokens", name);
            int placementId = bounded(in.get(), 0, 2, "text placement", name);
            int blockSize = bounded(in.getInt(), 16, 4096, "block size", name);
            int groups = bounded(in.getInt(), 1, MAX_GROUPS, "groups", name);
            int layers = bounded(in.getInt(), 1, MAX_LAYERS, "layers", name);
            int heads = bounded(in.getInt(), 1, MAX_HEADS, "heads", name);
            int modelBytes = bounded(in.getShort(), 1, ParoPlan.MAX_MODEL_ID_BYTES, "model id length", name);
            long volume = (long) frames * height * width;
            if (volume + text > MAX_TOKENS) {
                throw new ParoPlanException(name + " is corrupt: layout " + frames + "x" + height + "x" + width + "+" + text
                        + " has more than " + MAX_TOKENS + " tokens");
            }
            TextPlacement placement = TextPlacement.values()[placementId];
            if ((text == 0) != (placement == TextPlacement.NONE)) {
                throw new ParoPlanException(name + " is corrupt: " + text + " text tokens with placement " + placement);
            }
            int headerBytes = FIXED_HEADER + modelBytes + HASH_BYTES;
            int blocks = ParoPlan.blocksOf((int) volume + text, blockSize);
            long entries = (long) groups * layers * heads;
            long expected = expectedLength(headerBytes, entries, blocks);
            if (fileSize < expected) {
                throw new ParoPlanException(name + " is truncated: " + fileSize + " bytes, its header needs " + expected);
            }
            if (fileSize > expected) {
                throw new ParoPlanException(name + " is corrupt: " + fileSize + " bytes, its header needs exactly " + expected);
            }
            byte[] model = new byte[modelBytes];
            in.get(model);
            String modelId;
            try {
                modelId = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(model)).toString();
            } catch (CharacterCodingException e) {
                throw new ParoPlanException(name + " is corrupt: model id is not valid UTF-8");
            }
            byte[] calibratedFor = new byte[HASH_BYTES];
            in.get(calibratedFor);
            TokenLayout layout = new TokenLayout(new TokenGrid(frames, height, width), text, placement);
            return new Header(headerBytes, modelId, layout, blockSize, groups, layers, heads, calibratedFor);
        }

        private static int bounded(int value, int min, int max, String what, String name) {
            if (value < min || value > max) {
                throw new ParoPlanException(name + " is corrupt: " + what + " " + value + " not in " + min + ".." + max);
            }
            return value;
        }
    }
}
