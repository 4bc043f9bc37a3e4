package dev.tablease.stress.bench;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Anchor (b): a plain keyed pool with caps behind one {@link ReentrantLock}: a {@code HashMap} of
 * per-key {@code ArrayDeque}s of idle tabs, per-key and global counts, one condition for waiters, and
 * the eviction of an idle tab of another key when only the global cap is full. The floor for any
 * correct keyed pool with caps (no sessions, deadlines, fencing or fair queues).
 */
public final class OneLockPool {

    /** A pooled resource. */
    public static final class Tab {
        final String key;
        final long id;

        Tab(String key, long id) {
            this.key = key;
            this.id = id;
        }

        public long id() {
            return id;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final Map<String, ArrayDeque<Tab>> idle = new HashMap<>();
    private final Map<String, int[]> counts = new HashMap<>();
    private final int maxPerKey;
    private final int globalMax;
    private int total;
    private int idleTotal;
    private int waiting;
    private long nextId = 1;

    public OneLockPool(String[] keys, int maxPerKey, int globalMax) {
        this.maxPerKey = maxPerKey;
        this.globalMax = globalMax;
        for (String key : keys) {
            idle.put(key, new ArrayDeque<>());
            counts.put(key, new int[1]);
        }
    }

    /** Blocks until a tab of {@code key} is idle or may be opened. */
    public Tab acquire(String key) {
        lock.lock();
        try {
            ArrayDeque<Tab> q = idle.get(key);
            int[] count = counts.get(key);
            while (true) {
                Tab t = q.pollFirst();
                if (t != null) {
                    idleTotal--;
                    return t;
                }
                if (count[0] < maxPerKey) {
                    if (total >= globalMax && idleTotal > 0) {
                        evictIdleOfAnotherKey();
                    }
                    if (total < globalMax) {
                        count[0]++;
                        total++;
                        return new Tab(key, nextId++);
                    }
                }
                waiting++;
                try {
                    freed.awaitUninterruptibly();
                } finally {
                    waiting--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    public void release(Tab t) {
        lock.lock();
        try {
            idle.get(t.key).addFirst(t);
            idleTotal++;
            if (waiting > 0) {
                freed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void evictIdleOfAnotherKey() {
        for (Map.Entry<String, ArrayDeque<Tab>> e : idle.entrySet()) {
            if (e.getValue().pollLast() != null) {
                idleTotal--;
                counts.get(e.getKey())[0]--;
                total--;
                return;
            }
        }
    }
}
