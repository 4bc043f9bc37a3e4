package dev.tablease.serve.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open CDP sockets of the service, by lease token, so that a lease's end closes all of its sockets. Thread-safe. */
final class CdpSockets {

    /** The sockets by token. */
    private final ConcurrentHashMap<Long, Set<CdpSocket>> byToken = new ConcurrentHashMap<>();

    /** Adds a socket (before its lease is checked once more: an end racing the upgrade then closes it). */
    void add(CdpSocket s) {
        byToken.computeIfAbsent(s.token(), t -> ConcurrentHashMap.newKeySet()).add(s);
    }

    /** Removes a socket that ended. */
    void remove(CdpSocket s) {
        byToken.computeIfPresent(s.token(), (t, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    /** The lease with {@code token} ended: closes its sockets (as their {@link CdpFencing} says). */
    void leaseEnded(long token, CdpSocket.Close close) {
        Set<CdpSocket> set = byToken.get(token);
        if (set != null) {
            for (CdpSocket s : List.copyOf(set)) {
                s.leaseEnded(close);
            }
        }
    }

    /** Closes every socket (the service stops). */
    void closeAll(CdpSocket.Close close) {
        for (Set<CdpSocket> set : List.copyOf(byToken.values())) {
            for (CdpSocket s : List.copyOf(set)) {
                s.end(close);
            }
        }
    }

    /** @return how many sockets are open */
    int size() {
        return byToken.values().stream().mapToInt(Set::size).sum();
    }
}
