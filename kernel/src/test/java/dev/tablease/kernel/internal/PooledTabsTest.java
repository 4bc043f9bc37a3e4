package dev.tablease.kernel.internal;

import dev.tablease.kernel.TabState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PooledTabs}: the global order and each key's order agree with a sort by
 * ({@code poolExpiresAt}, tab id) after every add and remove, with time moving forward in steps that
 * make many ties (as the kernel pools) and also in any order (as a restore could, if unsorted).
 */
class PooledTabsTest {

    private static final Comparator<TabEntry> POOL_ORDER =
            Comparator.comparingLong((TabEntry t) -> t.poolExpiresAt).thenComparingLong(t -> t.tabId);

    @Test
    void theOldestTabOfAllAndOfEachKeyFollowPoolOrderWhileTimeMovesForward() {
        run(new Random(5), true);
    }

    @Test
    void theOrdersStaySortedWhenTabsArePooledInAnyOrder() {
        run(new Random(6), false);
    }

    private static void run(Random random, boolean forward) {
        EntrySlots<TabEntry> slots = new EntrySlots<>();
        PooledTabs pooled = new PooledTabs(slots);
        KeyEntry[] keys = new KeyEntry[4];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new KeyEntry("k" + i, 10, new EntrySlots<>(true));
        }
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= 1000; id++) {
            ids.add(id);
        }
        Collections.shuffle(ids, random); // tab ids in no particular order of pooling
        List<TabEntry> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            TabEntry t = new TabEntry(ids.get(i), "k", TabState.RESERVED);
            t.keyEntry = keys[random.nextInt(keys.length)];
            slots.add(t);
            all.add(t);
        }
        List<TabEntry> in = new ArrayList<>();
        long now = 1_000;
        for (int step = 0; step < 20_000; step++) {
            now += forward ? (random.nextInt(4) == 0 ? 1 : 0) : 0; // most steps share a millisecond: ties
            List<TabEntry> out = new ArrayList<>(all);
            out.removeAll(in);
            if (!out.isEmpty() && (in.isEmpty() || random.nextBoolean())) {
                TabEntry t = out.get(random.nextInt(out.size()));
                t.poolExpiresAt = forward ? now + 60_000 : 1_000 + random.nextInt(5);
                pooled.add(t);
                in.add(t);
            } else {
                TabEntry t = random.nextInt(3) == 0 ? in.get(random.nextInt(in.size())) : pooled.oldest();
                pooled.remove(t);
                in.remove(t);
                pooled.remove(t); // not pooled any more: nothing happens
            }
            check(pooled, keys, in);
        }
    }

    private static void check(PooledTabs pooled, KeyEntry[] keys, List<TabEntry> in) {
        List<TabEntry> sorted = new ArrayList<>(in);
        sorted.sort(POOL_ORDER);
        assertEquals(in.size(), pooled.size());
        assertEquals(in.isEmpty(), pooled.isEmpty());
        if (in.isEmpty()) {
            assertNull(pooled.oldest());
            assertEquals(Long.MAX_VALUE, pooled.oldestExpiresAt());
        } else {
            assertSame(sorted.get(0), pooled.oldest());
            assertEquals(sorted.get(0).poolExpiresAt, pooled.oldestExpiresAt());
        }
        for (KeyEntry k : keys) {
            TabEntry first = sorted.stream().filter(t -> t.keyEntry == k).findFirst().orElse(null);
            assertSame(first, pooled.oldest(k), "oldest of " + k.key);
            assertEquals(first == null, k.pooled.isEmpty());
        }
    }

    @Test
    void removingTheOldestRepeatedlyGivesEveryTabInPoolOrder() {
        EntrySlots<TabEntry> slots = new EntrySlots<>();
        PooledTabs pooled = new PooledTabs(slots);
        KeyEntry k = new KeyEntry("k", 10, new EntrySlots<>(true));
        long[][] tabs = {{5, 100}, {3, 100}, {9, 100}, {1, 99}, {7, 101}, {2, 100}};
        List<TabEntry> expected = new ArrayList<>();
        for (long[] spec : tabs) {
            TabEntry t = new TabEntry(spec[0], "k", TabState.POOLED);
            t.keyEntry = k;
            t.poolExpiresAt = spec[1];
            slots.add(t);
            pooled.add(t);
            expected.add(t);
        }
        expected.sort(POOL_ORDER);
        for (TabEntry t : expected) {
            assertSame(t, pooled.oldest());
            pooled.remove(t);
        }
        assertTrue(pooled.isEmpty());
        assertTrue(k.pooled.isEmpty());
    }

    @Test
    void poolingATabTwiceOrATabWithoutASlotIsRefusedAndChangesNothing() {
        EntrySlots<TabEntry> slots = new EntrySlots<>();
        PooledTabs pooled = new PooledTabs(slots);
        KeyEntry k = new KeyEntry("k", 10, new EntrySlots<>(true));
        TabEntry t = new TabEntry(1, "k", TabState.POOLED);
        t.keyEntry = k;
        assertThrows(IllegalStateException.class, () -> pooled.add(t));
        assertTrue(pooled.isEmpty());
        slots.add(t);
        pooled.add(t);
        assertThrows(IllegalStateException.class, () -> pooled.add(t));
        assertEquals(1, pooled.size());
        assertSame(t, pooled.oldest(k));
    }
}
