package dev.tablease.kernel.internal;

import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

/**
 * The kernel's mutable record of one tab. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the pool orders ({@link PooledTabs}) and its slot in step.
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
    /**
     * The {@link EntrySlots} slot of the session the tab is RESERVED for or OPENING on behalf of,
     * {@code -1}: none. A slot, not the session id or the session: the kernel sets it on every grant of
     * a pooled tab to a new session, and an {@code int} store costs no GC write barrier.
     */
    private int sessionSlot = -1;
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

    /** Records that the tab is RESERVED for {@code s} or OPENING on its behalf ({@code s} must have a slot). */
    public void bindTo(SessionEntry s) {
        if (s.slot < 0) {
            throw new IllegalStateException("session without a slot: " + s.sessionId);
        }
        sessionSlot = s.slot;
    }

    /** Records that the tab serves no session. */
    public void unbind() {
        sessionSlot = -1;
    }

    /**
     * @param sessions the kernel's slots of sessions
     * @return the session the tab is RESERVED for or OPENING on behalf of, {@code null} when none
     */
    public SessionEntry session(EntrySlots<SessionEntry> sessions) {
        return sessionSlot < 0 ? null : sessions.get(sessionSlot);
    }

    /**
     * A tab from a snapshot. Its session, if any, is set by the kernel once the sessions have slots
     * ({@link #bindTo}), from the session's side: a snapshot that passed the invariant checks binds a
     * session to a tab iff the tab names that session.
     */
    public static TabEntry of(Tab t) {
        TabEntry e = new TabEntry(t.tabId(), t.key(), t.state());
        e.targetId = t.targetId();
        e.poolExpiresAt = t.poolExpiresAt();
        e.epoch = t.epoch();
        e.needsReset = t.needsReset();
        return e;
    }

    /** @param sessions the kernel's slots of sessions (for the session's id) */
    public Tab toRecord(EntrySlots<SessionEntry> sessions) {
        SessionEntry s = session(sessions);
        return new Tab(tabId, targetId, key, state(), s == null ? null : s.sessionId, poolExpiresAt, epoch, needsReset);
    }
}
