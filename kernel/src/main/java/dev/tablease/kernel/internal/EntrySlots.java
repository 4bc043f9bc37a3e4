package dev.tablease.kernel.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * <p>Named entries (sessions) are also found by name ({@link #byName}): an open-addressing hash table of
 * slots (linear probing, at most half full, deletion by backward shift), so that registering a new
 * session stores one reference (its entry, here) where a {@code HashMap} would also store a new node
 * into its long-lived table. Unnamed entries (tabs) have no such table.
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
    /**
     * For named entries: {@code index[i]} is a slot plus one, {@code 0} an empty cell; the slot of the
     * entry named {@code n} is in the first non-empty cell from its home cell on whose entry has that
     * name. {@code null} for unnamed entries.
     */
    private int[] index;
    /**
     * For named entries: {@code hashes[slot]}, the spread hash of the name of the entry at {@code slot}
     * (its home cell is {@code hashes[slot] & (index.length - 1)}), so that probing, deletion and
     * rehashing never read another entry's name. {@code null} for unnamed entries.
     */
    private int[] hashes;

    /** Slots for entries without a name (tabs): no {@link #byName} index. */
    public EntrySlots() {
        this(false);
    }

    /**
     * @param named whether entries are also found by name ({@link HeapEntry#tieName}, unique among the
     *              entries with a slot)
     */
    public EntrySlots(boolean named) {
        if (named) {
            index = new int[16];
            hashes = new int[8];
        }
        for (int f = 0; f < POSITION_FIELDS; f++) {
            positions[f] = new int[8];
            Arrays.fill(positions[f], -1);
        }
    }

    /**
     * Gives {@code e}, which has no slot, a slot.
     *
     * @throws IllegalStateException when {@code e} already has one, or (named entries) when another entry
     *                               with its name has one; nothing changes then
     */
    public void add(E e) {
        if (e.slot >= 0) {
            throw new IllegalStateException("already has slot " + e.slot + ": " + e);
        }
        int hash = 0;
        int cell = 0;
        if (index != null) {
            if (2 * (size + 1) > index.length) {
                rehash(index.length * 2);
            }
            hash = spread(e.tieName);
            cell = freeCellFor(e.tieName, hash); // refuses a name already here
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
        if (index != null) {
            hashes[slot] = hash;
            index[cell] = slot + 1;
        }
    }

    /**
     * @return the first empty cell of {@code name}'s run, where it goes
     * @throws IllegalStateException when an entry with that name has a slot
     */
    private int freeCellFor(String name, int hash) {
        int mask = index.length - 1;
        int cell = hash & mask;
        for (int c; (c = index[cell]) != 0; cell = (cell + 1) & mask) {
            if (hashes[c - 1] == hash && ((HeapEntry) entries[c - 1]).tieName.equals(name)) {
                throw new IllegalStateException("an entry named " + name + " already has a slot");
            }
        }
        return cell;
    }

    /**
     * @param name an entry's name
     * @return the entry with a slot named {@code name}, {@code null} when none (or when entries are unnamed)
     */
    @SuppressWarnings("unchecked")
    public E byName(String name) {
        if (index == null) {
            return null;
        }
        int hash = spread(name);
        int mask = index.length - 1;
        for (int cell = hash & mask, c; (c = index[cell]) != 0; cell = (cell + 1) & mask) {
            if (hashes[c - 1] == hash) {
                E e = (E) entries[c - 1];
                if (e.tieName.equals(name)) {
                    return e;
                }
            }
        }
        return null;
    }

    /** @return the entries with a slot, in slot order (a new list) */
    @SuppressWarnings("unchecked")
    public List<E> entries() {
        List<E> list = new ArrayList<>(size);
        for (int slot = 0; slot < used; slot++) {
            if (entries[slot] != null) {
                list.add((E) entries[slot]);
            }
        }
        return list;
    }

    /** @return {@code name}'s cached hash, spread (its home cell is this masked by the table size) */
    private static int spread(String name) {
        int h = name.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Removes the cell of {@code slot} from the name index, shifting later cells of its run back. */
    private void unindex(int slot) {
        int mask = index.length - 1;
        int cell = hashes[slot] & mask;
        while (index[cell] != slot + 1) {
            cell = (cell + 1) & mask;
        }
        // backward-shift deletion: move up every later entry of the run whose home cell is not in (cell, next]
        int hole = cell;
        for (int next = (hole + 1) & mask, c; (c = index[next]) != 0; next = (next + 1) & mask) {
            int home = hashes[c - 1] & mask;
            boolean homeInHoleToNext = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeInHoleToNext) {
                index[hole] = c;
                hole = next;
            }
        }
        index[hole] = 0;
    }

    private void rehash(int capacity) {
        index = new int[capacity];
        for (int slot = 0; slot < used; slot++) {
            if (entries[slot] != null) {
                int cell = hashes[slot] & (capacity - 1);
                while (index[cell] != 0) {
                    cell = (cell + 1) & (capacity - 1);
                }
                index[cell] = slot + 1;
            }
        }
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
        if (index != null) {
            unindex(slot);
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
        if (hashes != null) {
            hashes = Arrays.copyOf(hashes, n);
        }
        tieNumbers = Arrays.copyOf(tieNumbers, n);
        for (int f = 0; f < POSITION_FIELDS; f++) {
            int old = positions[f].length;
            positions[f] = Arrays.copyOf(positions[f], n);
            Arrays.fill(positions[f], old, n, -1);
        }
    }
}
