package dev.tablease.store;

import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link InputAt}: an input moved to another {@code now} keeps every other field, for every type of input. */
class InputAtTest {

    /** One input of every type. */
    private static final List<Input> SAMPLES = List.of(
            new Input.Acquire(5, "s", "k", "h", KernelConfig.DEFAULT_CLASS),
            new Input.Heartbeat(5, "s", 7),
            new Input.Release(5, "s", 7, Outcome.COMPLETED),
            new Input.UpdateSession(5, "s", 7, "https://chat.example/c/1"),
            new Input.Cancel(5, 3),
            new Input.TabOpened(5, 2, "target"),
            new Input.TabOpenFailed(5, 2, "no"),
            new Input.TabGone(5, "target", GoneCause.values()[0]),
            new Input.TabClosed(5, "target"),
            new Input.Tick(5));

    @Test
    void theSamplesCoverEveryTypeOfInput() {
        Set<Class<?>> sampled = SAMPLES.stream().map(Object::getClass).collect(Collectors.toSet());
        assertEquals(Set.of(Input.class.getPermittedSubclasses()), sampled, "a new input type needs a sample and a case in InputAt");
    }

    @Test
    void anInputMovedToAnotherNow_keepsEveryOtherField() throws Exception {
        for (Input in : SAMPLES) {
            Input moved = InputAt.at(in, 99);
            assertEquals(in.getClass(), moved.getClass());
            assertEquals(99, moved.now());
            for (RecordComponent c : in.getClass().getRecordComponents()) {
                if (!c.getName().equals("now")) {
                    assertEquals(c.getAccessor().invoke(in), c.getAccessor().invoke(moved), in.name() + "." + c.getName());
                }
            }
            assertSame(in, InputAt.at(in, 5), "the same now: the same input");
        }
    }

    @Test
    void aFunctionThatOnlyPutsNowIntoItsInput_isMovable_andOneThatDerivesMore_isNot() {
        LongFunction<Input> plain = now -> new Input.Heartbeat(now, "s", 7);
        assertEquals(new Input.Heartbeat(10, "s", 7), InputAt.movable(plain, 10));
        LongFunction<Input> derived = now -> new Input.Acquire(now, "s-" + now, "k", "h", KernelConfig.DEFAULT_CLASS);
        assertNull(InputAt.movable(derived, 10), "a session id made from now cannot be decided by another process");
        LongFunction<Input> choosing = now -> now % 2 == 0 ? new Input.Tick(now) : new Input.Heartbeat(now, "s", 7);
        assertNull(InputAt.movable(choosing, 10));
        assertThrows(NullPointerException.class, () -> InputAt.movable(now -> null, 10));
    }
}
