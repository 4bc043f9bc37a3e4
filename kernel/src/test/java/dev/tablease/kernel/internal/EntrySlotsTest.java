package dev.tablease.kernel.internal;

import dev.tablease.kernel.TabState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EntrySlots}: distinct slots for live entries, reuse of freed ones, typed refusals that change nothing. */
class EntrySlotsTest {

    @Test
    void liveEntriesHaveDistinctSlotsAndFreedSlotsAreReused() {
        Random random = new Random(3);
        EntrySlots<TabEntry> slots = new EntrySlots<>();
        List<TabEntry> live = new ArrayList<>();
        int mostLive = 0;
        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || random.nextInt(3) > 0 && live.size() < 100) {
                TabEntry t = new TabEntry(step + 1, "k", TabState.POOLED);
                slots.add(t);
                live.add(t);
            } else {
                TabEntry t = live.remove(random.nextInt(live.size()));
                slots.remove(t);
                assertEquals(-1, t.slot());
            }
            mostLive = Math.max(mostLive, live.size());
            Set<Integer> seen = new HashSet<>();
            for (TabEntry t : live) {
                assertSame(t, slots.get(t.slot()));
                assertTrue(seen.add(t.slot()), "two live entries at slot " + t.slot());
                assertTrue(t.slot() < mostLive, "slot " + t.slot() + " beyond the most entries ever live, " + mostLive);
            }
            assertEquals(live.size(), slots.size());
        }
    }

    @Test
    void anEntryIsGivenOneSlotAndFreedOnceAndOnlyByItsOwnSlots() {
        EntrySlots<SessionEntry> slots = new EntrySlots<>();
        SessionEntry s = new SessionEntry("s", "k", "default");
        slots.add(s);
        int slot = s.slot();
        assertThrows(IllegalStateException.class, () -> slots.add(s));
        assertEquals(slot, s.slot());
        EntrySlots<SessionEntry> others = new EntrySlots<>();
        assertThrows(IllegalStateException.class, () -> others.remove(s));
        assertSame(s, slots.get(slot));
        slots.remove(s);
        assertThrows(IllegalStateException.class, () -> slots.remove(s));
        assertEquals(0, slots.size());
    }
}
