package dev.tablease.kernel.internal;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.RefuseReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link StepDecisions}: the appended decisions in order, as a list equal to any list of them, immutable once frozen. */
class StepDecisionsTest {

    @Test
    void aStepsDecisionsAreTheAppendedOnesInOrderAndEqualToAnyListOfThem() {
        for (int n = 0; n <= 5; n++) {
            StepDecisions out = new StepDecisions();
            List<Decision> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Decision d = new Decision.Refused("Heartbeat", RefuseReason.UNKNOWN_SESSION, "decision " + i);
                out.append(d);
                expected.add(d);
            }
            List<Decision> list = out.freeze();
            assertEquals(expected, list);
            assertEquals(list, expected);
            assertEquals(expected.hashCode(), list.hashCode());
            assertEquals(List.copyOf(expected), List.copyOf(list));
            assertThrows(IndexOutOfBoundsException.class, () -> list.get(expected.size()));
        }
    }

    @Test
    void aFrozenStepsDecisionsCannotChange() {
        StepDecisions out = new StepDecisions();
        Decision d = new Decision.Refused("Release", RefuseReason.STALE_TOKEN, "stale");
        out.append(d);
        List<Decision> list = out.freeze();
        assertThrows(UnsupportedOperationException.class, () -> out.append(d));
        assertThrows(UnsupportedOperationException.class, () -> list.add(d));
        assertThrows(UnsupportedOperationException.class, () -> list.set(0, d));
        assertThrows(UnsupportedOperationException.class, () -> list.remove(0));
        assertThrows(UnsupportedOperationException.class, list::clear);
        assertEquals(List.of(d), list);
    }
}
