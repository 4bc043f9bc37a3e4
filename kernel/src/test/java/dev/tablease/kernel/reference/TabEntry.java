package dev.tablease.kernel.reference;

import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

import java.util.Comparator;

/**
 * The reference kernel's mutable record of one tab. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the pool index (ordered by {@link #POOL_ORDER}) in step.
 */
public final class TabEntry {
    /** Pool order: pooled longest ago first ({@code poolExpiresAt}, then {@code tabId}). */
    public static final Comparator<TabEntry> POOL_ORDER =
            Comparator.comparingLong((TabEntry t) -> t.poolExpiresAt).thenComparingLong(t -> t.tabId);

    public final long tabId;
    public final String key;
    public String targetId;
    public TabState state;
    public String sessionId;
    public long poolExpiresAt;
    public long epoch;
    public boolean needsReset;

    public TabEntry(long tabId, String key, TabState state) {
        this.tabId = tabId;
        this.key = key;
        this.state = state;
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
        return new Tab(tabId, targetId, key, state, sessionId, poolExpiresAt, epoch, needsReset);
    }
}
