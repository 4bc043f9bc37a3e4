package dev.tablease.stress.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Anchor (a): the baseline a caller would write first. A {@code Semaphore(3)} per key, a global
 * {@code Semaphore(8)} and a {@code ConcurrentHashMap} of holders. No tabs, no pool, no deadlines, no
 * fencing, no FIFO across keys: just the two caps.
 */
public final class SemaphoreAnchor {
    private final Map<String, Semaphore> perKey = new HashMap<>();
    private final Semaphore global = new Semaphore(Workload.GLOBAL_MAX);
    private final ConcurrentHashMap<String, String> holders = new ConcurrentHashMap<>();

    public SemaphoreAnchor() {
        for (String key : Workload.KEYS) {
            perKey.put(key, new Semaphore(Workload.MAX_PER_KEY));
        }
    }

    /** Blocks until both caps admit the session (the key's first, always in that order: no deadlock). */
    public void acquire(String sessionId, String key, String holder) {
        perKey.get(key).acquireUninterruptibly();
        global.acquireUninterruptibly();
        holders.put(sessionId, holder);
    }

    public void release(String sessionId, String key) {
        if (holders.remove(sessionId) == null) {
            throw new IllegalStateException(sessionId + " holds nothing");
        }
        global.release();
        perKey.get(key).release();
    }
}
