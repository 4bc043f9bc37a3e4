package dev.tablease.store;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.LongBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SnapshotRule}: when a log row carries a snapshot, and how far apart two snapshots can be. */
class SnapshotRuleTest {

    @Test
    void upToTheIntervalsSessions_everyIntervalRows() {
        for (long seq = 1; seq <= 5_000; seq++) {
            assertEquals(seq % 1_000 == 0, SnapshotRule.snapshotAt(seq, 1_000, 1_000), "row " + seq);
        }
        assertEquals(1, SnapshotRule.stretch(1_000, 0));
        assertEquals(1, SnapshotRule.stretch(1, 1));
    }

    @Test
    void aLargerState_stretchesTheInterval_byThePowerOfTwoAtOrAboveSessionsOverInterval() {
        assertEquals(2, SnapshotRule.stretch(1_000, 1_001));
        assertEquals(2, SnapshotRule.stretch(1_000, 2_000));
        assertEquals(4, SnapshotRule.stretch(1_000, 2_001));
        assertEquals(128, SnapshotRule.stretch(1_000, 100_000));
        assertTrue(SnapshotRule.snapshotAt(128_000, 1_000, 100_000));
        assertFalse(SnapshotRule.snapshotAt(127_000, 1_000, 100_000));
        assertEquals(1L << 31, SnapshotRule.stretch(1, Integer.MAX_VALUE), "no overflow");
    }

    @Test
    void whateverTheStateDoes_twoSnapshotsAreAtMostTheBoundApart() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int every = 1 + random.nextInt(50);
            int most = random.nextInt(2_000);
            long bound = every * SnapshotRule.stretch(every, most);
            assertTrue(largestGap(every, most, random.nextLong(), (e, n) -> SnapshotRule.stretch((int) e, (int) n)) <= bound,
                    "every " + every + ", at most " + most + " sessions");
        }
    }

    /**
     * The property above fails for a stretch that is not a power of two: a state that picks, at every candidate row,
     * a size (up to 5 × the interval) whose stretch does not divide the row dodges snapshots for 60 intervals with a
     * plain {@code ceil(sessions / every)}, and for at most 8 (the bound) with the rule's power of two.
     */
    @Test
    void anAdversarialState_dodgesAPlainCeilingFarPastTheBound_butNotThePowerOfTwo() {
        int every = 10;
        int most = 5 * every;
        LongBinaryOperator plainCeil = (e, sessions) -> Math.max(1, (sessions + e - 1) / e);
        long bound = every * SnapshotRule.stretch(every, most);
        assertEquals(80, bound);
        assertTrue(adversarialGap(every, most, (e, n) -> SnapshotRule.stretch((int) e, (int) n)) <= bound);
        assertEquals(60 * every, adversarialGap(every, most, plainCeil), "lcm(1..5) intervals without a snapshot");
    }

    /** @return the largest gap between snapshots when the state, at each candidate row, takes a size that avoids one */
    private static long adversarialGap(int every, int most, LongBinaryOperator stretch) {
        long last = 0;
        long gap = 0;
        for (long seq = every; seq <= 100_000; seq += every) {
            boolean dodged = false;
            for (int sessions = 0; sessions <= most && !dodged; sessions++) {
                dodged = (seq / every) % stretch.applyAsLong(every, sessions) != 0;
            }
            if (!dodged) {
                gap = Math.max(gap, seq - last);
                last = seq;
            }
        }
        return gap;
    }

    /** @return the largest gap, in rows, between two snapshots over 200,000 rows of a state wandering in [0, most] */
    private static long largestGap(int every, int most, long seed, LongBinaryOperator stretch) {
        Random random = new Random(seed);
        int sessions = random.nextInt(most + 1);
        long last = 0;
        long gap = 0;
        for (long seq = 1; seq <= 200_000; seq++) {
            sessions = Math.max(0, Math.min(most, sessions + random.nextInt(41) - 20));
            boolean snapshot = seq % every == 0 && (seq / every) % stretch.applyAsLong(every, sessions) == 0;
            if (snapshot) {
                gap = Math.max(gap, seq - last);
                last = seq;
            }
        }
        return Math.max(gap, 200_000 - last);
    }
}
