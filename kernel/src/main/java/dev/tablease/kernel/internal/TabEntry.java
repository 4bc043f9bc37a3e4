package dev.tablease.kernel.internal;

import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

/**
 * The kernel's mutable record of one tab. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the pool indexes (heaps in {@link PoolHeap} order) in step.
 */
public final class TabEntry extends HeapEntry {

    public final long tabId;
    public final String key;
    public String targetId;
    /**
     * The state's ordinal: a byte, not a reference, because the kernel changes it on every grant and
     * release, and a reference store into a long-lived object costs a GC write barrier (G1).
     */
    private byte state;
    public String sessionId;
    public long poolExpiresAt;
    public long epoch;
    public boolean needsReset;
    /** The entry of {@link #key}, set by the kernel when it creates or loads the tab. */
    public KeyEntry keyEntry;

    public TabEntry(long tabId, String key, TabState state) {
        super(null, tabId);
        this.tabId = tabId;
        this.key = key;
        this.state = (byte) state.ordinal();
    }

    private static final TabState[] STATES = TabState.values();

    /** @return the tab's state */
    public TabState state() {
        return STATES[state];
    }

    /** Sets the tab's state. */
    public void setState(TabState state) {
        this.state = (byte) state.ordinal();
    }

    public static TabEntry of(Tab t) {
        TabEntry e = new TabEntry(t.tabId(), t.key(), t.state());
        e.targetId = t.targetId();
        e.sessionId = t.sessionId();
        e.poolExpiresAt = t.poolExpiresAt();
        e.epoch = t.epoch();
        e.needsReset = t.needsReset();
        return e;
    }

    public Tab toRecord() {
        return new Tab(tabId, targetId, key, state(), sessionId, poolExpiresAt, epoch, needsReset);
    }

    /** The {@link IndexedHeap} slot of the global pool heap. */
    private static final int POOL_SLOT = 0;
    /** The {@link IndexedHeap} slot of a key's pool heap. */
    private static final int KEY_POOL_SLOT = 1;

    /**
     * A heap of pooled tabs in pool order: pooled longest ago first ({@code poolExpiresAt}, then
     * {@code tabId}; add and update them with {@code poolExpiresAt} as the key). One heap for all pooled
     * tabs and one per key; a tab is in both or in neither.
     *
     * @param perKey whether this is a key's heap (else the global one); each uses its own position field
     * @return an empty heap
     */
    public static IndexedHeap<TabEntry> poolHeap(boolean perKey) {
        return new IndexedHeap<>(perKey ? KEY_POOL_SLOT : POOL_SLOT, false);
    }
}
