package dev.tablease.kernel.internal;

import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

/**
 * The kernel's mutable record of one tab. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the pool indexes (heaps in {@link PoolHeap} order) in step.
 */
public final class TabEntry {

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
    /** Position in the global pool heap, -1 when not pooled. */
    int poolIndex = -1;
    /** Position in its key's pool heap, -1 when not pooled. */
    int keyPoolIndex = -1;

    public TabEntry(long tabId, String key, TabState state) {
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

    /**
     * Pooled tabs in pool order: pooled longest ago first ({@code poolExpiresAt}, then {@code tabId}).
     * One heap for all pooled tabs and one per key; a tab is in both or in neither.
     */
    public static final class PoolHeap extends IndexedHeap<TabEntry> {
        private final boolean perKey;

        /** @param perKey whether this is a key's heap (else the global one); each uses its own position field */
        public PoolHeap(boolean perKey) {
            this.perKey = perKey;
        }

        @Override
        protected long keyOf(TabEntry t) {
            return t.poolExpiresAt;
        }

        @Override
        protected boolean tieBefore(TabEntry a, TabEntry b) {
            return a.tabId < b.tabId;
        }

        @Override
        protected int indexOf(TabEntry t) {
            return perKey ? t.keyPoolIndex : t.poolIndex;
        }

        @Override
        protected void setIndex(TabEntry t, int index) {
            if (perKey) {
                t.keyPoolIndex = index;
            } else {
                t.poolIndex = index;
            }
        }
    }
}
