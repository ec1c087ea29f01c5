package io.tilewise.reorder;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A calibrated PARO plan: for every timestep group, layer and head, an {@link AxisOrder} and a block mask over
 * the sequence in that order (docs/methods.md §4.1–4.2). Bound to one model id and one token layout; text tokens keep
 * their positions, so text blocks are the same in every order. Immutable.
 *
 * <p>Timestep groups follow the PARO pipeline callback: {@code group = min(G−1, ⌊(step+1)/totalSteps · G⌋)},
 * see {@link #group}.
 */
public final class ParoPlan {

    /** Longest model id stored in a plan, in UTF-8 bytes. */
    public static final int MAX_MODEL_ID_BYTES = 256;

    private final String modelId;
    private final TokenLayout layout;
    private final int blockSize;
    private final int groups;
    private final int layers;
    private final int heads;
    private final int blocks;
    private final AxisOrder[] orders;
    private final BlockMask[] masks;

    private ParoPlan(String modelId, TokenLayout layout, int blockSize, int groups, int layers, int heads,
                     AxisOrder[] orders, BlockMask[] masks) {
        this.modelId = modelId;
        this.layout = layout;
        this.blockSize = blockSize;
        this.groups = groups;
        this.layers = layers;
        this.heads = heads;
        this.blocks = blocksOf(layout.seqLen(), blockSize);
        this.orders = orders;
        this.masks = masks;
    }

    public static Builder builder(String modelId, TokenLayout layout, int blockSize, int groups, int layers, int heads) {
        return new Builder(modelId, layout, blockSize, groups, layers, heads);
    }

    /** Query (= key) blocks of a sequence. */
    public static int blocksOf(int seqLen, int blockSize) {
        return (seqLen + blockSize - 1) / blockSize;
    }

    /**
     * The timestep group of a denoising step: {@code min(G−1, ⌊(step+1)·G / totalSteps⌋)}, in integer arithmetic
     * so no float rounding moves a boundary. As in PARO's callback, the last step would give {@code G} (clamped to
     * {@code G−1}), and group 0 only covers steps with {@code (step+1)·G < totalSteps}.
     */
    public static int group(int step, int totalSteps, int groups) {
        if (groups < 1) throw new IllegalArgumentException("groups " + groups + " must be >= 1");
        if (totalSteps < 1) throw new IllegalArgumentException("total steps " + totalSteps + " must be >= 1");
        if (step < 0 || step >= totalSteps) {
            throw new IllegalArgumentException("step " + step + " not in 0.." + (totalSteps - 1));
        }
        long g = (long) (step + 1) * groups / totalSteps;
        return (int) Math.min(groups - 1, g);
    }

    /** Hash identifying what a plan was calibrated for: SHA-256 of the model id and the layout. */
    public static byte[] calibratedFor(String modelId, TokenLayout layout) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("tilewise-paro\n" + modelId + "\n" + describe(layout)).getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Layout as written in messages: {@code 16x32x32+226txt(PREFIX)}. */
    static String describe(TokenLayout layout) {
        return layout.grid() + "+" + layout.textTokens() + "txt(" + layout.placement() + ")";
    }

    public String modelId() { return modelId; }
    public TokenLayout layout() { return layout; }
    public int blockSize() { return blockSize; }
    public int groups() { return groups; }
    public int layers() { return layers; }
    public int heads() { return heads; }
    public int blocks() { return blocks; }

    public byte[] calibratedFor() {
        return calibratedFor(modelId, layout);
    }

    public int groupOf(int step, int totalSteps) {
        return group(step, totalSteps, groups);
    }

    public AxisOrder order(int group, int layer, int head) {
        return orders[index(group, layer, head)];
    }

    public BlockMask mask(int group, int layer, int head) {
        return masks[index(group, layer, head)];
    }

    /** Per-head permutations of (group, layer). */
    public TokenPermutation[] permutations(int group, int layer) {
        TokenPermutation[] result = new TokenPermutation[heads];
        for (int h = 0; h < heads; h++) {
            AxisOrder o = order(group, layer, h);
            TokenPermutation same = null;
            for (int j = 0; j < h && same == null; j++) if (result[j].order() == o) same = result[j];
            result[h] = same != null ? same : TokenPermutation.of(layout, o);
        }
        return result;
    }

    /** The executor plan of (group, layer): one row set per head, in each head's permuted order. */
    public BlockSparsePlan executorPlan(int group, int layer) {
        BlockSparsePlan.Builder b = BlockSparsePlan.builder(layout.seqLen(), blockSize, blockSize, heads);
        for (int h = 0; h < heads; h++) {
            BlockMask m = mask(group, layer, h);
            for (int qb = 0; qb < blocks; qb++) {
                for (int kb = 0; kb < blocks; kb++) if (m.get(qb, kb)) b.addFull(h, qb, kb);
            }
        }
        return b.build();
    }

    /**
     * The plan as a token mask in the original order: {@code allowed(h, q, k)} iff the block pair of
     * {@code (forward(q), forward(k))} is on for head {@code h}. The ground truth the kernel is tested against.
     */
    public TokenMask tokenMask(int group, int layer) {
        TokenPermutation[] perms = permutations(group, layer);
        BlockMask[] headMasks = new BlockMask[heads];
        for (int h = 0; h < heads; h++) headMasks[h] = mask(group, layer, h);
        return TokenMask.perHead((head, query, key) -> {
            TokenPermutation p = perms[head];
            return headMasks[head].get(p.forward(query) / blockSize, p.forward(key) / blockSize);
        });
    }

    /** Mean block density over every (group, layer, head). */
    public double blockDensity() {
        double sum = 0;
        for (BlockMask m : masks) sum += m.blockDensity();
        return sum / masks.length;
    }

    private int index(int group, int layer, int head) {
        if (group < 0 || group >= groups) throw new IllegalArgumentException("group " + group + " not in 0.." + (groups - 1));
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("layer " + layer + " not in 0.." + (layers - 1) + " of the plan");
        if (head < 0 || head >= heads) throw new IllegalArgumentException("head " + head + " not in 0.." + (heads - 1));
        return (group * layers + layer) * heads + head;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParoPlan p && p.modelId.equals(modelId) && p.layout.equals(layout)
                && p.blockSize == blockSize && p.groups == groups && p.layers == layers && p.heads == heads
                && Arrays.equals(p.orders, orders) && Arrays.equals(p.masks, masks);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(masks) * 31 + Arrays.hashCode(orders);
    }

    @Override
    public String toString() {
        return String.format("ParoPlan[model %s, layout %s, block %d, groups %d, layers %d, heads %d, block density %.4f]",
                modelId, describe(layout), blockSize, groups, layers, heads, blockDensity());
    }

    /** Collects one order and mask per (group, layer, head); {@link #build} requires all of them. */
    public static final class Builder {
        private final String modelId;
        private final TokenLayout layout;
        private final int blockSize;
        private final int groups;
        private final int layers;
        private final int heads;
        private final int blocks;
        private final AxisOrder[] orders;
        private final BlockMask[] masks;

        private Builder(String modelId, TokenLayout layout, int blockSize, int groups, int layers, int heads) {
            if (modelId == null || modelId.isEmpty()) throw new IllegalArgumentException("model id must not be empty");
            if (modelId.getBytes(StandardCharsets.UTF_8).length > MAX_MODEL_ID_BYTES) {
                throw new IllegalArgumentException("model id '" + modelId + "' is longer than " + MAX_MODEL_ID_BYTES + " bytes");
            }
            if (layout == null) throw new IllegalArgumentException("layout must be given");
            if (blockSize < 16 || blockSize > 4096) throw new IllegalArgumentException("block size " + blockSize + " must be in 16..4096");
            if (groups < 1 || layers < 1 || heads < 1) {
                throw new IllegalArgumentException("groups " + groups + ", layers " + layers + ", heads " + heads + " must all be >= 1");
            }
            long entries = (long) groups * layers * heads;
            if (entries > Integer.MAX_VALUE) throw new IllegalArgumentException(entries + " plan entries are too many");
            this.modelId = modelId;
            this.layout = layout;
            this.blockSize = blockSize;
            this.groups = groups;
            this.layers = layers;
            this.heads = heads;
            this.blocks = blocksOf(layout.seqLen(), blockSize);
            this.orders = new AxisOrder[(int) entries];
            this.masks = new BlockMask[(int) entries];
        }

        public int blocks() {
            return blocks;
        }

        public Builder set(int group, int layer, int head, AxisOrder order, BlockMask mask) {
            if (order == null || mask == null) throw new IllegalArgumentException("order and mask must be given");
            if (mask.blocks() != blocks) {
                throw new IllegalArgumentException("mask has " + mask.blocks() + " blocks, the plan needs " + blocks);
            }
            int empty = mask.firstEmptyRow();
            if (empty >= 0) {
                throw new IllegalArgumentException("mask row " + empty + " has no key block (every query needs at least one key)");
            }
            if (group < 0 || group >= groups || layer < 0 || layer >= layers || head < 0 || head >= heads) {
                throw new IllegalArgumentException("entry (group " + group + ", layer " + layer + ", head " + head
                        + ") outside " + groups + " groups x " + layers + " layers x " + heads + " heads");
            }
            int i = (group * layers + layer) * heads + head;
            orders[i] = order;
            masks[i] = mask;
            return this;
        }

        /** Copies every (layer, head) entry of group {@code from} into every other group. */
        public Builder fillGroupsFrom(int from) {
            int perGroup = layers * heads;
            for (int g = 0; g < groups; g++) {
                if (g == from) continue;
                System.arraycopy(orders, from * perGroup, orders, g * perGroup, perGroup);
                System.arraycopy(masks, from * perGroup, masks, g * perGroup, perGroup);
            }
            return this;
        }

        public ParoPlan build() {
            for (int i = 0; i < orders.length; i++) {
                if (orders[i] == null) {
                    int head = i % heads;
                    int layer = i / heads % layers;
                    int group = i / heads / layers;
                    throw new IllegalStateException("plan entry (group " + group + ", layer " + layer + ", head " + head + ") was never set");
                }
            }
            return new ParoPlan(modelId, layout, blockSize, groups, layers, heads, orders.clone(), masks.clone());
        }
    }
}
