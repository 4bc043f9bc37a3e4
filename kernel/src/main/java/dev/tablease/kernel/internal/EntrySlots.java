package dev.tablease.kernel.internal;

import java.util.Arrays;

/**
 * The live entries of one kind (the kernel's sessions, or its tabs), each at a small {@code int} slot,
 * with the positions of every entry in the {@link IndexedHeap}s that can hold it. Slots are reused
 * (last freed, first reused), so they stay below the largest number of entries ever live at once.
 *
 * <p>Why: the heaps hold slots and keys in primitive arrays, and the positions live here in
 * primitive arrays too, so adding, removing or re-ordering an entry stores no object reference. Under
 * G1 a reference store into a long-lived object (the kernel's arrays are long-lived; the session being
 * stored is new) costs a write barrier with a memory fence and a dirty card for the GC to scan: the
 * hot path used to pay one per heap operation (measured in {@code docs/benchmarks.md}). Here one
 * reference store remains per entry: {@link #add}.
 *
 * <p>Position fields: each heap an entry can be in uses one of {@link #POSITION_FIELDS} position arrays
 * ({@code -1}: not in that heap). Heaps that can hold the same entry use different fields; heaps that
 * never hold the same entry (the per-key heaps of different keys) share one.
 *
 * @param <E> the entry type
 */
public final class EntrySlots<E extends HeapEntry> {

    /** The number of position fields: the most heaps one entry can be in at once. */
    public static final int POSITION_FIELDS = 3;

    private Object[] entries = new Object[8];
    /** {@code positions[field][slot]}: the position of the entry at {@code slot} in the heap using {@code field}. */
    final int[][] positions = new int[POSITION_FIELDS][];
    /** {@code tieNumbers[slot]}: the {@link HeapEntry#tieNumber} of the entry at {@code slot}, beside the keys. */
    long[] tieNumbers = new long[8];
    private int[] free = new int[8];
    private int freeCount;
    /** Slots ever handed out: {@code [0, used)}; those not in {@link #free} hold an entry. */
    private int used;
    private int size;

    /** No entries yet. */
    public EntrySlots() {
        for (int f = 0; f < POSITION_FIELDS; f++) {
            positions[f] = new int[8];
            Arrays.fill(positions[f], -1);
        }
    }

    /**
     * Gives {@code e}, which has no slot, a slot.
     *
     * @throws IllegalStateException when {@code e} already has one
     */
    public void add(E e) {
        if (e.slot >= 0) {
            throw new IllegalStateException("already has slot " + e.slot + ": " + e);
        }
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == entries.length) {
                grow();
            }
            slot = used++;
        }
        entries[slot] = e;
        tieNumbers[slot] = e.tieNumber;
        e.slot = slot;
        size++;
    }

    /**
     * Frees the slot of {@code e}, which must be in no heap any more.
     *
     * @throws IllegalStateException when {@code e} has no slot here or is still in a heap
     */
    public void remove(E e) {
        int slot = e.slot;
        if (slot < 0 || slot >= used || entries[slot] != e) {
            throw new IllegalStateException("not in these slots: " + e);
        }
        for (int f = 0; f < POSITION_FIELDS; f++) {
            if (positions[f][slot] >= 0) {
                throw new IllegalStateException("still in a heap (position field " + f + "): " + e);
            }
        }
        entries[slot] = null;
        e.slot = -1;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = slot;
        size--;
    }

    /** @return the entry at {@code slot} */
    @SuppressWarnings("unchecked")
    E get(int slot) {
        return (E) entries[slot];
    }

    /** @return the number of entries with a slot */
    public int size() {
        return size;
    }

    private void grow() {
        int n = entries.length * 2;
        entries = Arrays.copyOf(entries, n);
        tieNumbers = Arrays.copyOf(tieNumbers, n);
        for (int f = 0; f < POSITION_FIELDS; f++) {
            int old = positions[f].length;
            positions[f] = Arrays.copyOf(positions[f], n);
            Arrays.fill(positions[f], old, n, -1);
        }
    }
}
