package dev.tablease.kernel.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The name index of {@link EntrySlots} against a {@code HashMap} by name, over random registrations and
 * removals of sessions whose ids collide in {@code hashCode} (strings of "Aa" and "BB" blocks all hash
 * alike), so that probe runs are long and the backward-shift deletion is exercised everywhere.
 */
class EntrySlotsByNameTest {

    @Test
    void namedSlotsFindEveryLiveSessionByIdAndNoOther() {
        Random random = new Random(3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            StringBuilder id = new StringBuilder();
            for (int bit = 0; bit < 6; bit++) {
                id.append((i >> bit & 1) == 0 ? "Aa" : "BB"); // all 64 share one hashCode
            }
            ids.add(id.toString());
        }
        for (int i = 0; i < 64; i++) {
            ids.add("s-" + i); // and some that spread
        }
        EntrySlots<SessionEntry> slots = new EntrySlots<>(true);
        Map<String, SessionEntry> model = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            String id = ids.get(random.nextInt(ids.size()));
            SessionEntry live = model.get(id);
            if (live == null) {
                SessionEntry s = new SessionEntry(id, "k", "default");
                slots.add(s);
                model.put(id, s);
            } else {
                slots.remove(live);
                model.remove(id);
            }
            if (step % 97 == 0 || step > 19_900) {
                for (String name : ids) {
                    assertSame(model.get(name), slots.byName(name), name);
                }
                assertNull(slots.byName("no such session"));
                assertEquals(model.size(), slots.size());
                assertEquals(new HashSet<>(model.values()), new HashSet<>(slots.entries()));
            }
        }
    }

    @Test
    void aSecondSessionWithTheSameIdIsRefusedAndChangesNothing() {
        EntrySlots<SessionEntry> slots = new EntrySlots<>(true);
        SessionEntry first = new SessionEntry("s", "k", "default");
        slots.add(first);
        SessionEntry second = new SessionEntry("s", "k", "default");
        assertThrows(IllegalStateException.class, () -> slots.add(second));
        assertSame(first, slots.byName("s"));
        assertEquals(1, slots.size());
        assertEquals(-1, second.slot());
        SessionEntry third = new SessionEntry("t", "k", "default");
        slots.add(third);
        assertEquals(1, third.slot(), "the refused add must not have taken a slot");
        slots.remove(third);
        assertThrows(IllegalStateException.class, () -> slots.add(second));
        slots.add(third);
        assertEquals(1, third.slot(), "nor a freed one");
    }
}
