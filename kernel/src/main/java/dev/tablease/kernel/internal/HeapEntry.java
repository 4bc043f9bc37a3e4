package dev.tablease.kernel.internal;

/**
 * What an entry of an {@link IndexedHeap} carries for it: its slot in the kernel's {@link EntrySlots}
 * (the heaps hold slots, not references) and its tie-break identity.
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
    /** The entry's slot in its {@link EntrySlots}, {@code -1} while it has none. */
    int slot = -1;

    /** @return the entry's slot in its {@link EntrySlots}, {@code -1} while it has none (e.g. once forgotten) */
    public int slot() {
        return slot;
    }

    /**
     * @param tieName   the name that orders entries with equal keys ({@code sessionId}), or {@code null}
     * @param tieNumber the number that orders them when {@code tieName} is null ({@code tabId})
     */
    HeapEntry(String tieName, long tieNumber) {
        this.tieName = tieName;
        this.tieNumber = tieNumber;
    }
}
