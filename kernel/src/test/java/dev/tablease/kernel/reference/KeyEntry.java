package dev.tablease.kernel.reference;

import java.util.LinkedHashSet;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The reference kernel's per-key indexes: the key's tabs in every state (for its cap), its pooled tabs in pool order, and its
 * FIFO of sessions waiting for a tab (by {@code waitSeq}). Derived data: rebuilt from the state on restore.
 */
public final class KeyEntry {
    public final String key;
    /** The key's cap, {@code maxPerKey(key)}, cached. */
    public final int cap;
    public final Set<TabEntry> tabs = new LinkedHashSet<>();
    public final NavigableSet<TabEntry> pooled = new TreeSet<>(TabEntry.POOL_ORDER);
    public final TreeMap<Long, SessionEntry> waiting = new TreeMap<>();

    public KeyEntry(String key, int cap) {
        this.key = key;
        this.cap = cap;
    }
}
