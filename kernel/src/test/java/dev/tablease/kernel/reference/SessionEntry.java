package dev.tablease.kernel.reference;

import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.Session;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;

/**
 * The reference kernel's mutable record of one session. Only {@code LeaseKernel} mutates it, and only through its
 * own helpers, which keep the lease-expiry and deadline indexes in step.
 */
public final class SessionEntry {
    /** Lease-expiry order: {@code lease.expiresAt}, then {@code sessionId}. Only sessions with a lease. */
    public static final Comparator<SessionEntry> LEASE_ORDER =
            Comparator.comparingLong((SessionEntry s) -> s.lease.expiresAt()).thenComparing(s -> s.sessionId);
    /** Deadline order: {@code deadline}, then {@code sessionId}. Only sessions with a deadline. */
    public static final Comparator<SessionEntry> DEADLINE_ORDER =
            Comparator.comparingLong((SessionEntry s) -> s.deadline).thenComparing(s -> s.sessionId);

    public final String sessionId;
    public final String key;
    public final String requestClass;
    public long tabId;
    public long deadline;
    public String conversationUrl;
    public DriverLease lease;
    public final ArrayDeque<DriverWaiter> drivers = new ArrayDeque<>();
    public long waitSeq;
    public long recoveryCount;

    public SessionEntry(String sessionId, String key, String requestClass) {
        this.sessionId = sessionId;
        this.key = key;
        this.requestClass = requestClass;
    }

    public static SessionEntry of(Session s) {
        SessionEntry e = new SessionEntry(s.sessionId(), s.key(), s.requestClass());
        e.tabId = s.tabId();
        e.deadline = s.deadline();
        e.conversationUrl = s.conversationUrl();
        e.lease = s.lease();
        e.drivers.addAll(s.drivers());
        e.waitSeq = s.waitSeq();
        e.recoveryCount = s.recoveryCount();
        return e;
    }

    public Session toRecord() {
        return new Session(sessionId, key, requestClass, tabId, deadline, conversationUrl, lease,
                List.copyOf(drivers), waitSeq, recoveryCount);
    }
}
