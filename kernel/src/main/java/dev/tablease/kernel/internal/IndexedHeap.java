package dev.tablease.kernel.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A 4-ary min-heap whose entries remember their own position in it, so that an entry can be removed
 * or re-ordered in place: {@link #peekKey()} in O(1); {@link #add}, {@link #remove} and {@link #update}
 * in O(log n) comparisons, with no allocation except when the array grows. The kernel's time-ordered indexes
 * (pooled tabs, lease expiries, deadlines) are heaps of this kind: the kernel only ever needs the first
 * entry of each order, never a walk in order. Four children per node rather than two: half as many
 * levels (log4 n), and a node's children are adjacent in the key array, so a sift touches about half as
 * many cache lines in a large heap.
 *
 * <p>The order is by a {@code long} key (a time), given by the caller and kept in an array beside the
 * entries so that sifting compares keys without dereferencing entries. Among equal keys (common: every
 * input of one millisecond gives the same deadline), {@link #peek()} returns the entry with the smallest
 * tie-break identity ({@link HeapEntry}: a tab id or a session id), so the first entry is the same
 * whatever the history of the heap. Numbers are compared while sifting (a heap of tabs is totally
 * ordered, {@link #peek()} is O(1)); names are not: a heap of sessions is ordered by key only, and
 * {@link #peek()} and {@link #firstKeyGroup()} collect the t entries that share the smallest key (a
 * subtree at the root) and sort them by name, O(t log t), so
 * no string is compared on {@link #add}, {@link #remove} or {@link #update} and the kernel's hot path
 * compares none. An entry's position lives in one of its {@link HeapEntry} position fields, chosen by
 * this heap's {@code slot}: each heap an entry can belong to uses its own; {@code -1} means "not in this
 * heap". An entry's key changes only through {@link #update}. No virtual call anywhere (one final class,
 * fields read directly).
 *
 * @param <E> the entry type
 */
public final class IndexedHeap<E extends HeapEntry> {

    private Object[] entries = new Object[8];
    /** {@code keys[i]} is the sort key of {@code entries[i]}: sifting compares these without touching the entries. */
    private long[] keys = new long[8];
    private int size;
    /** Which {@link HeapEntry} position field this heap uses: 0, 1 or 2. */
    private final int slot;
    /** Whether entries are named ({@link HeapEntry#tieName}): sifted by key only, ties resolved by {@link #peek()}. */
    private final boolean named;

    /**
     * @param slot  which position field of the entries this heap uses (0, 1 or 2); heaps that can hold
     *              the same entry must use different slots
     * @param named whether the entries have a {@link HeapEntry#tieName} (sessions; else tabs, by number)
     */
    public IndexedHeap(int slot, boolean named) {
        if (slot < 0 || slot > 2) {
            throw new IllegalArgumentException("slot must be 0, 1 or 2: " + slot);
        }
        this.slot = slot;
        this.named = named;
    }

    /** @return the position of {@code e} in this heap, {@code -1} when it is not in it */
    private int indexOf(HeapEntry e) {
        return slot == 0 ? e.position0 : slot == 1 ? e.position1 : e.position2;
    }

    /** Records the position of {@code e} in this heap ({@code -1}: removed). */
    private void setIndex(HeapEntry e, int index) {
        if (slot == 0) {
            e.position0 = index;
        } else if (slot == 1) {
            e.position1 = index;
        } else {
            e.position2 = index;
        }
    }

    /** @return the number of entries */
    public int size() {
        return size;
    }

    /** @return whether the heap has no entry */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * @return the first entry: the smallest key, then the smallest tie-break identity; {@code null} when
     *         empty. In a heap of named entries this collects the entries that share the smallest key
     *         ({@link #firstKeyGroup()}); the kernel reads those heaps' first entries only in a
     *         {@code Tick}, a group at a time.
     */
    @SuppressWarnings("unchecked")
    public E peek() {
        if (size == 0) {
            return null;
        }
        return named ? firstKeyGroup().get(0) : (E) entries[0];
    }

    /**
     * The entries that share the smallest key, in tie-break order (by tab id or by session id): what
     * successive {@link #peek()}s would return if each entry were removed after it is returned and
     * nothing else changed. For a loop that processes everything due: {@code O(t log t)} for {@code t}
     * entries with equal keys, where a {@code peek()} per entry would cost {@code O(t)} each.
     *
     * @return those entries, empty when the heap is empty (a new list each call)
     */
    @SuppressWarnings("unchecked")
    public List<E> firstKeyGroup() {
        List<E> group = new ArrayList<>();
        if (size > 0) {
            collectFirstKey(0, group);
            group.sort(named ? Comparator.comparing(e -> e.tieName) : Comparator.comparingLong(e -> e.tieNumber));
        }
        return group;
    }

    @SuppressWarnings("unchecked")
    private void collectFirstKey(int i, List<E> group) {
        group.add((E) entries[i]);
        int end = Math.min(4 * i + 5, size);
        for (int child = 4 * i + 1; child < end; child++) {
            if (keys[child] == keys[0]) {
                collectFirstKey(child, group);
            }
        }
    }

    /** @return the key of the first entry ({@link #peek()}); {@link Long#MAX_VALUE} when empty */
    public long peekKey() {
        return size == 0 ? Long.MAX_VALUE : keys[0];
    }

    /** @return whether {@code e} is in this heap */
    public boolean contains(E e) {
        return indexOf(e) >= 0;
    }

    /**
     * Adds {@code e}, which must not be in this heap yet.
     *
     * @param key its sort key (a time, in milliseconds)
     */
    public void add(E e, long key) {
        if (indexOf(e) >= 0) {
            throw new IllegalStateException("already in the heap: " + e);
        }
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        siftUp(size++, e, key);
    }

    /** Removes {@code e} when it is in this heap; does nothing otherwise. */
    @SuppressWarnings("unchecked")
    public void remove(E e) {
        int i = indexOf(e);
        if (i < 0) {
            return;
        }
        setIndex(e, -1);
        int last = --size;
        E moved = (E) entries[last];
        long movedKey = keys[last];
        entries[last] = null;
        if (i != last) {
            siftDown(i, moved, movedKey);
            if (entries[i] == moved) {
                siftUp(i, moved, movedKey);
            }
        }
    }

    /**
     * Gives {@code e}, which is in this heap, a new sort key.
     *
     * @param key its new sort key (a time, in milliseconds)
     */
    public void update(E e, long key) {
        int i = indexOf(e);
        siftDown(i, e, key);
        if (entries[i] == e) {
            siftUp(i, e, key);
        }
    }

    /** @return whether {@code a} (key {@code ka}) must sit above {@code b} (key {@code kb}) */
    private boolean before(HeapEntry a, long ka, HeapEntry b, long kb) {
        return ka < kb || (ka == kb && !named && a.tieNumber < b.tieNumber);
    }

    @SuppressWarnings("unchecked")
    private void siftUp(int i, E e, long key) {
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            E p = (E) entries[parent];
            long pk = keys[parent];
            if (!before(e, key, p, pk)) {
                break;
            }
            entries[i] = p;
            keys[i] = pk;
            setIndex(p, i);
            i = parent;
        }
        entries[i] = e;
        keys[i] = key;
        setIndex(e, i);
    }

    @SuppressWarnings("unchecked")
    private void siftDown(int i, E e, long key) {
        while (true) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int child = first;
            int end = Math.min(first + 4, size);
            for (int j = first + 1; j < end; j++) {
                if (before((E) entries[j], keys[j], (E) entries[child], keys[child])) {
                    child = j;
                }
            }
            E c = (E) entries[child];
            long ck = keys[child];
            if (!before(c, ck, e, key)) {
                break;
            }
            entries[i] = c;
            keys[i] = ck;
            setIndex(c, i);
            i = child;
        }
        entries[i] = e;
        keys[i] = key;
        setIndex(e, i);
    }
}
