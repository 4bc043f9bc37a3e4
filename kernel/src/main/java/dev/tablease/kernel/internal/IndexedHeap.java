package dev.tablease.kernel.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A 4-ary min-heap whose entries' positions are known, so that an entry can be removed or re-ordered
 * in place: {@link #peekKey()} in O(1); {@link #add}, {@link #remove} and {@link #update} in O(log n)
 * comparisons, with no allocation except when an array grows. The kernel's time-ordered indexes
 * (pooled tabs, lease expiries, deadlines) are heaps of this kind: the kernel only ever needs the first
 * entry of each order, never a walk in order. Four children per node rather than two: half as many
 * levels (log4 n), and a node's children are adjacent in the key array, so a sift touches about half as
 * many cache lines in a large heap.
 *
 * <p>Primitive arrays only: the heap holds each entry's {@link EntrySlots} slot and its sort key (a
 * {@code long}, a time, given by the caller), and the entries' positions live in their
 * {@link EntrySlots}, in the position field this heap uses. So sifting compares keys without
 * dereferencing entries, and no heap operation stores an object reference (under G1, a reference store
 * into a long-lived array costs a fenced write barrier: see {@link EntrySlots}).
 *
 * <p>Among equal keys (common: every input of one millisecond gives the same deadline), {@link #peek()}
 * returns the entry with the smallest tie-break identity ({@link HeapEntry}: a tab id or a session id),
 * so the first entry is the same whatever the history of the heap. Numbers are compared while sifting
 * (a heap of tabs is totally ordered, {@link #peek()} is O(1)); names are not: a heap of sessions is
 * ordered by key only, and {@link #peek()} and {@link #firstKeyGroup()} collect the t entries that share
 * the smallest key (a subtree at the root) and sort them by name, O(t log t), so no string is compared on
 * {@link #add}, {@link #remove} or {@link #update} and the kernel's hot path compares none. An entry's
 * key changes only through {@link #update}. No virtual call anywhere (final classes, fields read directly).
 *
 * @param <E> the entry type
 */
public final class IndexedHeap<E extends HeapEntry> {

    private final EntrySlots<E> slots;
    /** Which of the {@link EntrySlots} position fields this heap uses. */
    private final int field;
    /** Whether entries are named ({@link HeapEntry#tieName}): sifted by key only, ties resolved by {@link #peek()}. */
    private final boolean named;
    /** {@code heap[i]}: the slot of the entry at heap position {@code i}. */
    private int[] heap = new int[8];
    /** {@code keys[i]} is the sort key of the entry at heap position {@code i}. */
    private long[] keys = new long[8];
    private int size;

    /**
     * @param slots the slots of the entries this heap may hold
     * @param field which position field of {@code slots} this heap uses (0 to
     *              {@link EntrySlots#POSITION_FIELDS} - 1); heaps that can hold the same entry must use
     *              different fields
     * @param named whether the entries have a {@link HeapEntry#tieName} (sessions; else tabs, by number)
     */
    public IndexedHeap(EntrySlots<E> slots, int field, boolean named) {
        if (field < 0 || field >= EntrySlots.POSITION_FIELDS) {
            throw new IllegalArgumentException("field must be 0 to " + (EntrySlots.POSITION_FIELDS - 1) + ": " + field);
        }
        this.slots = slots;
        this.field = field;
        this.named = named;
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
    public E peek() {
        if (size == 0) {
            return null;
        }
        return named ? firstKeyGroup().get(0) : slots.get(heap[0]);
    }

    /**
     * The entries that share the smallest key, in tie-break order (by tab id or by session id): what
     * successive {@link #peek()}s would return if each entry were removed after it is returned and
     * nothing else changed. For a loop that processes everything due: {@code O(t log t)} for {@code t}
     * entries with equal keys, where a {@code peek()} per entry would cost {@code O(t)} each.
     *
     * @return those entries, empty when the heap is empty (a new list each call)
     */
    public List<E> firstKeyGroup() {
        List<E> group = new ArrayList<>();
        if (size > 0) {
            collectFirstKey(0, group);
            group.sort(named ? Comparator.comparing(e -> e.tieName) : Comparator.comparingLong(e -> e.tieNumber));
        }
        return group;
    }

    private void collectFirstKey(int i, List<E> group) {
        group.add(slots.get(heap[i]));
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

    /**
     * Adds {@code e}, which must have a slot and must not be in this heap yet.
     *
     * @param key its sort key (a time, in milliseconds)
     */
    public void add(E e, long key) {
        int slot = e.slot;
        if (slot < 0) {
            throw new IllegalStateException("no slot: " + e);
        }
        int[] positions = slots.positions[field];
        if (positions[slot] >= 0) {
            throw new IllegalStateException("already in the heap: " + e);
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        siftUp(positions, size++, slot, key);
    }

    /** Removes {@code e} when it is in this heap; does nothing otherwise. */
    public void remove(E e) {
        int slot = e.slot;
        if (slot < 0) {
            return;
        }
        int[] positions = slots.positions[field];
        int i = positions[slot];
        if (i < 0) {
            return;
        }
        positions[slot] = -1;
        int last = --size;
        if (i != last) {
            int moved = heap[last];
            long movedKey = keys[last];
            siftDown(positions, i, moved, movedKey);
            if (heap[i] == moved) {
                siftUp(positions, i, moved, movedKey);
            }
        }
    }

    /**
     * Gives {@code e}, which is in this heap, a new sort key.
     *
     * @param key its new sort key (a time, in milliseconds)
     */
    public void update(E e, long key) {
        int[] positions = slots.positions[field];
        int i = positions[e.slot];
        siftDown(positions, i, e.slot, key);
        if (heap[i] == e.slot) {
            siftUp(positions, i, e.slot, key);
        }
    }

    /** @return whether the entry at slot {@code a} (key {@code ka}) must sit above the one at {@code b} (key {@code kb}) */
    private boolean before(int a, long ka, int b, long kb) {
        return ka < kb || (ka == kb && !named && slots.tieNumbers[a] < slots.tieNumbers[b]);
    }

    private void siftUp(int[] positions, int i, int slot, long key) {
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            int p = heap[parent];
            long pk = keys[parent];
            if (!before(slot, key, p, pk)) {
                break;
            }
            heap[i] = p;
            keys[i] = pk;
            positions[p] = i;
            i = parent;
        }
        heap[i] = slot;
        keys[i] = key;
        positions[slot] = i;
    }

    private void siftDown(int[] positions, int i, int slot, long key) {
        while (true) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int child = first;
            int end = Math.min(first + 4, size);
            for (int j = first + 1; j < end; j++) {
                if (before(heap[j], keys[j], heap[child], keys[child])) {
                    child = j;
                }
            }
            int c = heap[child];
            long ck = keys[child];
            if (!before(c, ck, slot, key)) {
                break;
            }
            heap[i] = c;
            keys[i] = ck;
            positions[c] = i;
            i = child;
        }
        heap[i] = slot;
        keys[i] = key;
        positions[slot] = i;
    }
}
