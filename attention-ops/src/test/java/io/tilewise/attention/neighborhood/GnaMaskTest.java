package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GnaMaskTest {

    // The worked 1-D examples of docs/methods.md §2.1 (L = 12), column by column.

    @Test
    void neighborhoodWindow4() {
        assertEquals("""
                ####........
                ####........
                ####........
                .####.......
                ..####......
                ...####.....
                ....####....
                .....####...
                ......####..
                .......####.
                ........####
                ........####
                """, new GnaAxis(12, 4, 1, 1, false).render());
    }

    @Test
    void stridedWindow4Stride2() {
        assertEquals("""
                ####........
                ####........
                .####.......
                .####.......
                ...####.....
                ...####.....
                .....####...
                .....####...
                .......####.
                .......####.
                ........####
                ........####
                """, new GnaAxis(12, 4, 2, 1, false).render());
    }

    @Test
    void blockedWindow4Stride4() {
        assertEquals("""
                ####........
                ####........
                ####........
                ####........
                ....####....
                ....####....
                ....####....
                ....####....
                ........####
                ........####
                ........####
                ........####
                """, new GnaAxis(12, 4, 4, 1, false).render());
    }

    @Test
    void dilatedWindow3Dilation2() {
        assertEquals("""
                #.#.#.......
                .#.#.#......
                #.#.#.......
                .#.#.#......
                ..#.#.#.....
                ...#.#.#....
                ....#.#.#...
                .....#.#.#..
                ......#.#.#.
                .......#.#.#
                ......#.#.#.
                .......#.#.#
                """, new GnaAxis(12, 3, 1, 2, false).render());
    }

    @Test
    void causalWindow4Stride2() {
        assertEquals("""
                #...........
                ##..........
                ###.........
                ####........
                ..###.......
                ..####......
                ....###.....
                ....####....
                ......###...
                ......####..
                ........###.
                ........####
                """, new GnaAxis(12, 4, 2, 1, true).render());
    }

    @Test
    void stridedWindowsMatchTheListedRanges() {
        // "queries (0,1)→[0,4), (2,3)→[1,5), (4,5)→[3,7), …, (10,11)→[8,12)"
        GnaAxis axis = new GnaAxis(12, 4, 2, 1, false);
        int[] starts = {0, 0, 1, 1, 3, 3, 5, 5, 7, 7, 8, 8};
        for (int i = 0; i < 12; i++) {
            assertEquals(starts[i], axis.windowStart(i), "query " + i);
            assertEquals(starts[i] + 4, axis.windowEnd(i), "query " + i);
        }
    }

    @Test
    void windowOfOneIsSamePositionOnly() {
        GnaAxis axis = new GnaAxis(5, 1, 1, 1, false);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) assertEquals(i == j, axis.allowed(i, j));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void nonCausalQueriesSeeExactlyWindowKeysAndCausalOnesNeverLookAhead(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 50; trial++) {
            int length = 1 + r.nextInt(40);
            int dilation = 1 + r.nextInt(Math.min(4, length));
            int window = 1 + r.nextInt(length / dilation);
            int stride = 1 + r.nextInt(window);
            boolean causal = r.nextBoolean();
            GnaAxis axis = new GnaAxis(length, window, stride, dilation, causal);
            for (int i = 0; i < length; i++) {
                int seen = 0;
                for (int j = 0; j < length; j++) {
                    if (!axis.allowed(i, j)) continue;
                    seen++;
                    assertEquals(i % dilation, j % dilation, axis + " query " + i + " key " + j + ": other dilation group");
                    if (causal) assertTrue(j <= i, axis + " query " + i + " sees future key " + j);
                }
                if (!causal) assertEquals(window, seen, axis + " query " + i);
                else assertTrue(seen >= 1 && seen <= window && axis.allowed(i, i), axis + " query " + i + " sees " + seen);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void tabulatedMaskEqualsTheRuleOnEveryPair(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TokenLayout layout = GnaCases.randomLayout(r, 12);
        GnaSpec spec = GnaCases.randomSpec(r, layout.grid());
        GnaMask mask = new GnaMask(spec, layout);
        TokenMask reference = GnaReference.mask(spec, layout);
        for (int q = 0; q < layout.seqLen(); q++) {
            for (int k = 0; k < layout.seqLen(); k++) {
                assertEquals(reference.allowed(q, k), mask.allowed(q, k), spec + " on " + layout + " pair " + q + "," + k);
            }
        }
    }

    @Test
    void textQueriesSeeEverythingAndVideoQueriesSeeAllText() {
        TokenLayout layout = new TokenLayout(new TokenGrid(2, 3, 4), 5, TextPlacement.PREFIX);
        GnaMask mask = new GnaMask(GnaSpec.parse("gna:window=1x1x1"), layout);
        int n = layout.seqLen();
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                boolean expected = layout.isText(q) || layout.isText(k) || q == k;
                assertEquals(expected, mask.allowed(q, k), "pair " + q + "," + k);
            }
        }
    }

    @Test
    void axesCombineByAnd() {
        TokenLayout layout = TokenLayout.video(new TokenGrid(3, 4, 5));
        GnaSpec spec = GnaSpec.parse("gna:window=2x3x2,stride=1x2x1,dilation=1x1x2,causal=1x0x0");
        GnaMask mask = new GnaMask(spec, layout);
        for (int q = 0; q < layout.seqLen(); q++) {
            int[] a = layout.coords(q);
            for (int k = 0; k < layout.seqLen(); k++) {
                int[] b = layout.coords(k);
                boolean expected = mask.axis(0).allowed(a[0], b[0]) && mask.axis(1).allowed(a[1], b[1])
                        && mask.axis(2).allowed(a[2], b[2]);
                assertEquals(expected, mask.allowed(q, k));
            }
        }
    }
}
