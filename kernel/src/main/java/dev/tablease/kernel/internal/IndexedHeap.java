package dev.tablease.kernel.internal;

import java.util.Arrays;

/**
 * A 4-ary min-heap whose entries remember their own position in it, so that an entry can be removed
 * or re-ordered in place: {@link #peek()} in O(1); {@link #add}, {@link #remove} and {@link #update} in
 * O(log n) comparisons; no allocation except when the array grows. The kernel's time-ordered indexes
 * (pooled tabs, lease expiries, deadlines) are heaps of this kind: the kernel only ever needs the first
 * entry of each order, never a walk in order. Four children per node rather than two: half as many
 * levels (log4 n), and a node's children are adjacent in the key array, so a sift touches about half as
 * many cache lines in a large heap.
 *
 * <p>The order is by a {@code long} key (a time), kept in an array beside the entries so that sifting
 * compares keys without dereferencing entries, then by {@link #tieBefore} (an id): a total order, so the
 * first entry is the same whatever the history of the heap. An entry's position lives in a field of the
 * entry (see {@link #indexOf}), one field per heap the entry can belong to; {@code -1} means "not in
 * this heap". An entry's key must not change while it is in the heap, except followed by {@link #update}.
 *
 * @param <E> the entry type
 */
public abstract class IndexedHeap<E> {

    private Object[] entries = new Object[8];
    /** {@code keys[i]} is {@code keyOf(entries[i])}: sifting compares these without touching the entries. */
    private long[] keys = new long[8];
    private int size;

    /** @return the primary sort key of {@code e} (a time, in milliseconds); read when {@code e} is added or updated */
    protected abstract long keyOf(E e);

    /** @return whether {@code a} comes strictly before {@code b}, which have the same {@link #keyOf key} */
    protected abstract boolean tieBefore(E a, E b);

    /** @return the position of {@code e} in this heap, {@code -1} when it is not in it */
    protected abstract int indexOf(E e);

    /** Records the position of {@code e} in this heap ({@code -1}: removed). */
    protected abstract void setIndex(E e, int index);

    /** @return the number of entries */
    public final int size() {
        return size;
    }

    /** @return whether the heap has no entry */
    public final boolean isEmpty() {
        return size == 0;
    }

    /** @return the first entry in this heap's order, {@code null} when empty */
    @SuppressWarnings("unchecked")
    public final E peek() {
        return size == 0 ? null : (E) entries[0];
    }

    /** @return the key of the first entry ({@link #peek()}); {@link Long#MAX_VALUE} when empty */
    public final long peekKey() {
        return size == 0 ? Long.MAX_VALUE : keys[0];
    }

    /** @return whether {@code e} is in this heap */
    public final boolean contains(E e) {
        return indexOf(e) >= 0;
    }

    /** Adds {@code e}, which must not be in this heap yet. */
    public final void add(E e) {
        if (indexOf(e) >= 0) {
            throw new IllegalStateException("already in the heap: " + e);
        }
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        siftUp(size++, e, keyOf(e));
    }

    /** Removes {@code e} when it is in this heap; does nothing otherwise. */
    @SuppressWarnings("unchecked")
    public final void remove(E e) {
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

    /** Restores the order after the sort key of {@code e} (which is in this heap) changed. */
    public final void update(E e) {
        int i = indexOf(e);
        long key = keyOf(e);
        siftDown(i, e, key);
        if (entries[i] == e) {
            siftUp(i, e, key);
        }
    }

    private boolean before(E a, long ka, E b, long kb) {
        return ka < kb || (ka == kb && tieBefore(a, b));
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
