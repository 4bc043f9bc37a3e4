package dev.tablease.kernel.internal;

import java.util.TreeMap;

/**
 * Per-key indexes: the number of the key's tabs in every state (for its cap), its pooled tabs in pool
 * order, its bound sessions by deadline (for the retry-after hint), and its FIFO of sessions waiting
 * for a tab (by {@code waitSeq}). Derived data: rebuilt from the state on restore.
 */
public final class KeyEntry {
    public final String key;
    /** The key's cap, {@code maxPerKey(key)}, cached. */
    public final int cap;
    /** The key's tabs in every state (OPENING, RESERVED, POOLED, CLOSING). */
    public int tabCount;
    /** The key's pooled tabs in pool order; kept by {@link PooledTabs} only. */
    public final PooledTabs.Order pooled = new PooledTabs.Order();
    /** The sessions bound to a tab of this key (RESERVED for them or OPENING on their behalf), by deadline. */
    public final IndexedHeap<SessionEntry> bound;
    public final TreeMap<Long, SessionEntry> waiting = new TreeMap<>();
    /**
     * The {@code waitSeq} of the key's head waiting session while the key is in the kernel's set of
     * servable keys (it has waiters and a pooled tab or room under its cap), else 0.
     */
    public long servableSeq;

    /**
     * @param key          the key
     * @param cap          its cap
     * @param sessionSlots the kernel's slots of sessions (for {@link #bound})
     */
    public KeyEntry(String key, int cap, EntrySlots<SessionEntry> sessionSlots) {
        this.key = key;
        this.cap = cap;
        this.bound = SessionEntry.deadlineHeap(sessionSlots, true);
    }

    /** @return whether the key has fewer tabs than its cap */
    public boolean underCap() {
        return tabCount < cap;
    }
}
