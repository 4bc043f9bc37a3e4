package dev.tablease.kernel.internal;

import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.Session;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.List;

/**
 * The kernel's mutable record of one session. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the lease-expiry and deadline indexes in step, and {@link #tab} in step with
 * {@link #tabId}.
 */
public final class SessionEntry extends HeapEntry {

    public final String sessionId;
    public final String key;
    public final String requestClass;
    /** The entry of {@link #key}, set by the kernel when it creates or loads the session. */
    public KeyEntry keyEntry;
    public long tabId;
    /** The tab {@link #tabId} names, {@code null} when unbound. */
    public TabEntry tab;
    public long deadline;
    public String conversationUrl;
    /**
     * The driver lease, held as fields (a {@link DriverLease} record is built only for snapshots): its
     * holder ({@code null}: no lease), fencing token, last beat and expiry, in milliseconds.
     */
    public String leaseHolder;
    public long leaseToken;
    public long leaseLastBeat;
    public long leaseExpiresAt;
    /** The waiting drivers, FIFO; allocated on the first one (most sessions never queue a driver). */
    private ArrayDeque<DriverWaiter> drivers;
    public long waitSeq;
    /** How many times the reservation moved to a replacement tab (see {@code Decision.ReservationMoved}). */
    public long recoveryCount;

    public SessionEntry(String sessionId, String key, String requestClass) {
        super(sessionId, 0);
        this.sessionId = sessionId;
        this.key = key;
        this.requestClass = requestClass;
    }

    public static SessionEntry of(Session s) {
        SessionEntry e = new SessionEntry(s.sessionId(), s.key(), s.requestClass());
        e.tabId = s.tabId();
        e.deadline = s.deadline();
        e.conversationUrl = s.conversationUrl();
        DriverLease l = s.lease();
        if (l != null) {
            e.leaseHolder = l.holder();
            e.leaseToken = l.token();
            e.leaseLastBeat = l.lastBeat();
            e.leaseExpiresAt = l.expiresAt();
        }
        for (DriverWaiter w : s.drivers()) {
            e.addDriver(w);
        }
        e.waitSeq = s.waitSeq();
        e.recoveryCount = s.recoveryCount();
        return e;
    }

    public Session toRecord() {
        return new Session(sessionId, key, requestClass, tabId, deadline, conversationUrl, lease(),
                drivers == null ? List.of() : List.copyOf(drivers), waitSeq, recoveryCount);
    }

    /** @return whether the session has a driver lease */
    public boolean leased() {
        return leaseHolder != null;
    }

    /** @return the driver lease as a record, {@code null} when none */
    public DriverLease lease() {
        return leaseHolder == null ? null : new DriverLease(sessionId, leaseHolder, leaseToken, leaseLastBeat, leaseExpiresAt);
    }

    /** @return whether a driver waits for this session's lease */
    public boolean hasDrivers() {
        return drivers != null && !drivers.isEmpty();
    }

    /** @return the number of waiting drivers */
    public int driverCount() {
        return drivers == null ? 0 : drivers.size();
    }

    /** @return the first waiting driver, {@code null} when none */
    public DriverWaiter firstDriver() {
        return drivers == null ? null : drivers.peekFirst();
    }

    /** @return the waiting drivers, FIFO (a live view: do not modify while iterating) */
    public Iterable<DriverWaiter> drivers() {
        return drivers == null ? Collections.emptyList() : drivers;
    }

    /** Queues {@code w} last. */
    public void addDriver(DriverWaiter w) {
        if (drivers == null) {
            drivers = new ArrayDeque<>(4);
        }
        drivers.addLast(w);
    }

    /** Removes and returns the waiting driver with {@code requestId}, {@code null} when it is not waiting here. */
    public DriverWaiter removeDriver(long requestId) {
        if (drivers != null) {
            for (var it = drivers.iterator(); it.hasNext(); ) {
                DriverWaiter w = it.next();
                if (w.requestId() == requestId) {
                    it.remove();
                    return w;
                }
            }
        }
        return null;
    }

    /** The {@link EntrySlots} position field of the heap of lease expiries. */
    private static final int LEASE_FIELD = 0;
    /** The {@link EntrySlots} position field of the kernel's heap of deadlines. */
    private static final int DEADLINE_FIELD = 1;
    /** The {@link EntrySlots} position field of the keys' heaps of bound sessions (a session is in its own key's only). */
    private static final int BOUND_FIELD = 2;

    /**
     * @return an empty heap of sessions with a lease by lease expiry (add and update them with
     *         {@code leaseExpiresAt} as the key; ties by {@code sessionId})
     * @param slots the kernel's slots of sessions
     */
    public static IndexedHeap<SessionEntry> leaseHeap(EntrySlots<SessionEntry> slots) {
        return new IndexedHeap<>(slots, LEASE_FIELD, true);
    }

    /**
     * A heap of sessions by deadline (add them with {@code deadline} as the key; ties by
     * {@code sessionId}): all sessions with a deadline (the kernel's heap) or the sessions bound to a
     * key's tabs (a key's heap); each uses its own position field.
     *
     * @param slots  the kernel's slots of sessions
     * @param perKey whether this is a key's heap of bound sessions (else the kernel's heap of deadlines)
     * @return an empty heap
     */
    public static IndexedHeap<SessionEntry> deadlineHeap(EntrySlots<SessionEntry> slots, boolean perKey) {
        return new IndexedHeap<>(slots, perKey ? BOUND_FIELD : DEADLINE_FIELD, true);
    }
}
