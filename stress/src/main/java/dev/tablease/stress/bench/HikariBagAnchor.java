package dev.tablease.stress.bench;

import com.zaxxer.hikari.util.ConcurrentBag;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Anchor (d): HikariCP's {@code ConcurrentBag} holding 8 entries (the global cap). <b>Not keyed</b>: it
 * has no per-key cap and no notion of a key at all, and its fast path is a thread-local list of the
 * entries this thread used last, so it is an upper bound on what any pool can do, not a like-for-like
 * comparison.
 */
public final class HikariBagAnchor implements AutoCloseable {

    /** A bag entry: the state machine ConcurrentBag needs (a CAS-able int). */
    public static final class Entry implements ConcurrentBag.IConcurrentBagEntry {
        private static final AtomicIntegerFieldUpdater<Entry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "state");
        private volatile int state;
        final long id;

        Entry(long id) {
            this.id = id;
        }

        public long id() {
            return id;
        }

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            STATE.set(this, update);
        }

        @Override
        public int getState() {
            return STATE.get(this);
        }
    }

    private final ConcurrentBag<Entry> bag;

    public HikariBagAnchor() {
        // The listener is asked to add an entry when a borrower waits; the bag is full from the start
        // and never grows (8 entries, the global cap), so there is nothing to add.
        bag = new ConcurrentBag<>(waiting -> { });
        for (int i = 1; i <= Workload.GLOBAL_MAX; i++) {
            bag.add(new Entry(i));
        }
    }

    public Entry acquire() throws InterruptedException {
        Entry e = bag.borrow(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new IllegalStateException("no entry within 10 s");
        }
        return e;
    }

    public void release(Entry e) {
        bag.requite(e);
    }

    @Override
    public void close() {
        bag.close();
    }
}
