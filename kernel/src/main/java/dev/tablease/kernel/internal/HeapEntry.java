package dev.tablease.kernel.internal;

/**
 * What an entry of an {@link IndexedHeap} carries for it: its position in each heap it can belong to
 * (one field per heap slot; {@code -1}: not in that heap) and its tie-break identity. Plain fields that
 * the heap reads and writes directly: a sift makes no virtual call, so the heap's code stays small and
 * cheap whether or not the JIT inlines it into the kernel (measured in {@code docs/benchmarks.md}).
 *
 * <p>Among entries with equal keys, the first is the one with the smallest {@link #tieNumber} when the
 * entries have no name (tabs: the tab id), else the one with the smallest name in {@code String.compareTo}
 * order (sessions: the session id).
 */
public abstract class HeapEntry {

    /** The name that orders entries with equal keys, {@code null}: ordered by {@link #tieNumber}. */
    final String tieName;
    /** The number that orders entries with equal keys when {@link #tieName} is null. */
    final long tieNumber;
    int position0 = -1;
    int position1 = -1;
    int position2 = -1;

    /**
     * @param tieName   the name that orders entries with equal keys ({@code sessionId}), or {@code null}
     * @param tieNumber the number that orders them when {@code tieName} is null ({@code tabId})
     */
    HeapEntry(String tieName, long tieNumber) {
        this.tieName = tieName;
        this.tieNumber = tieNumber;
    }
}
