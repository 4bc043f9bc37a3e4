package dev.tablease.store;

/**
 * Which log rows carry a snapshot of the state after them, for both databases.
 *
 * <p>A snapshot costs time linear in the state (every session serialised), so writing one every {@code every} rows
 * whatever the state's size made the cost per transition grow with it (about 1 ms per transition at 100,000
 * sessions with {@code every = 1,000}: a 1 s snapshot per 1,000 rows). So the interval grows with the state: every
 * {@code every} rows while the state has at most {@code every} sessions, and every {@code every × k} rows beyond,
 * {@code k} the power of two at or above {@code sessions / every}. The snapshot's cost per transition then stays
 * bounded, and a process that starts or fell behind replays at most about {@code 2 × max(every, sessions)} rows
 * after the latest snapshot: no more than a few times what loading that snapshot costs.
 *
 * <p>The rule is a function of the row's number and the state after it, both the same in every process (the
 * kernel is deterministic), so whichever process writes the row writes the same snapshot decision. {@code k} is a
 * power of two so that a row that is a multiple of the largest {@code k} seen qualifies under every smaller one:
 * while the state has at most {@code S} sessions, two snapshots are never more than
 * {@code every × nextPowerOfTwo(ceil(S / every))} rows apart.
 */
final class SnapshotRule {

    private SnapshotRule() {
    }

    /**
     * @param seq      the row's number (from 1)
     * @param every    the configured interval ({@code snapshotEvery}), at least 1
     * @param sessions the sessions in the state after the row
     * @return whether row {@code seq} carries a snapshot
     */
    static boolean snapshotAt(long seq, int every, int sessions) {
        if (seq % every != 0) {
            return false;
        }
        long k = stretch(every, sessions);
        return (seq / every) % k == 0;
    }

    /** @return {@code k}: 1 up to {@code every} sessions, else the power of two at or above {@code ceil(sessions / every)} */
    static long stretch(int every, int sessions) {
        long need = Math.max(1, (sessions + (long) every - 1) / every);
        return need == 1 ? 1 : Long.highestOneBit(need - 1) << 1;
    }
}
