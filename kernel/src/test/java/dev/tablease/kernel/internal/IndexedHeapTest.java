package dev.tablease.kernel.internal;

import dev.tablease.kernel.TabState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IndexedHeap} against a sorted list, over random adds, removes and key updates with many equal
 * keys: the first entry, its key and the group of first-key entries are those of the (key, tie-break)
 * order, for a heap of sessions (sifted by key only, ties resolved on read) and a heap of tabs (sifted by
 * key then tab id).
 */
class IndexedHeapTest {

    @Test
    void aHeapOfSessionsReturnsTheSmallestSessionIdAmongTheSmallestKey() {
        Random random = new Random(1);
        for (int run = 0; run < 200; run++) {
            EntrySlots<SessionEntry> slots = new EntrySlots<>();
            List<SessionEntry> pool = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                pool.add(new SessionEntry("s-" + random.nextInt(1000) + "-" + i, "k", "default"));
            }
            check(slots, SessionEntry.deadlineHeap(slots, false), pool, Comparator.comparing(e -> e.sessionId), random);
        }
    }

    @Test
    void aHeapOfTabsReturnsTheSmallestTabIdAmongTheSmallestKey() {
        Random random = new Random(2);
        for (int run = 0; run < 200; run++) {
            EntrySlots<TabEntry> slots = new EntrySlots<>();
            List<TabEntry> pool = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                pool.add(new TabEntry(1 + random.nextInt(100_000), "k", TabState.POOLED));
            }
            check(slots, new IndexedHeap<>(slots, 0, false), pool, Comparator.comparingLong(e -> e.tabId), random);
        }
    }

    @Test
    void aSlotIsNotFreedWhileItsEntryIsInAHeap() {
        EntrySlots<SessionEntry> slots = new EntrySlots<>();
        IndexedHeap<SessionEntry> heap = SessionEntry.leaseHeap(slots);
        SessionEntry s = new SessionEntry("s", "k", "default");
        assertThrows(IllegalStateException.class, () -> heap.add(s, 5)); // no slot yet
        slots.add(s);
        heap.add(s, 5);
        assertThrows(IllegalStateException.class, () -> slots.remove(s));
        assertEquals(s, heap.peek());
        heap.remove(s);
        slots.remove(s);
        assertEquals(0, slots.size());
        assertThrows(IllegalStateException.class, () -> slots.remove(s));
    }

    @Test
    void anEmptyHeapHasNoFirstEntry() {
        IndexedHeap<SessionEntry> heap = SessionEntry.leaseHeap(new EntrySlots<>());
        assertNull(heap.peek());
        assertEquals(Long.MAX_VALUE, heap.peekKey());
        assertTrue(heap.firstKeyGroup().isEmpty());
    }

    /**
     * Random steps on {@code heap}: add, remove or re-key an entry of {@code pool}, or (when it is in no
     * heap) free its slot or give it one again, so that slots are reused by other entries.
     */
    private static <E extends HeapEntry> void check(EntrySlots<E> slots, IndexedHeap<E> heap, List<E> pool,
                                                    Comparator<E> tie, Random random) {
        Map<E, Long> model = new HashMap<>();
        for (E e : pool) {
            slots.add(e);
        }
        for (int step = 0; step < 300; step++) {
            E e = pool.get(random.nextInt(pool.size()));
            if (!model.containsKey(e) && random.nextInt(4) == 0) {
                if (e.slot >= 0) {
                    slots.remove(e);
                } else {
                    slots.add(e);
                }
                continue;
            }
            if (e.slot < 0) {
                continue;
            }
            long key = random.nextInt(5); // few distinct keys: many ties
            if (model.containsKey(e)) {
                if (random.nextBoolean()) {
                    heap.remove(e);
                    model.remove(e);
                } else {
                    heap.update(e, key);
                    model.put(e, key);
                }
            } else {
                heap.add(e, key);
                model.put(e, key);
            }
            List<E> order = model.keySet().stream()
                    .sorted(Comparator.<E>comparingLong(model::get).thenComparing(tie)).collect(Collectors.toList());
            assertEquals(model.size(), heap.size());
            if (order.isEmpty()) {
                assertNull(heap.peek());
                continue;
            }
            long first = model.get(order.get(0));
            assertEquals(first, heap.peekKey());
            assertEquals(order.get(0), heap.peek());
            assertEquals(order.stream().filter(x -> model.get(x) == first).collect(Collectors.toList()), heap.firstKeyGroup());
        }
    }
}
