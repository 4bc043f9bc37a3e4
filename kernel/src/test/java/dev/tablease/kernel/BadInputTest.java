package dev.tablease.kernel;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static dev.tablease.kernel.KernelHarness.find;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every bad input gets a typed, explained answer (an {@link InvalidInputException} naming the
 * {@link InvalidInputException.Problem}, or a {@link Decision.Refused}) and leaves the state exactly as it was.
 */
class BadInputTest {

    private final KernelHarness k = new KernelHarness();
    private Decision.Granted lease;
    private KernelState before;

    @BeforeEach
    void someState() {
        lease = k.acquireOpened(1_000, "s1", "a", "send");
        k.acquire(1_000, "s2", "a", "send");
        before = k.state();
    }

    private void assertProblem(InvalidInputException.Problem problem, Executable executable) {
        InvalidInputException e = assertThrows(InvalidInputException.class, executable);
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(before, k.state(), "state unchanged");
    }

    @Test
    void nullInputAndNullFieldsAreRefused() {
        assertProblem(InvalidInputException.Problem.NULL_FIELD, () -> k.kernel().apply(null));
        assertProblem(InvalidInputException.Problem.NULL_FIELD, () -> new Input.Acquire(1, null, "a", "h", "default"));
        assertProblem(InvalidInputException.Problem.NULL_FIELD, () -> new Input.Release(1, "s1", 1, null));
        assertProblem(InvalidInputException.Problem.NULL_FIELD, () -> new Input.TabGone(1, "T1", null));
        assertProblem(InvalidInputException.Problem.NULL_FIELD, () -> new Input.UpdateSession(1, "s1", 1, null));
    }

    @Test
    void blankIdsAreRefused() {
        assertProblem(InvalidInputException.Problem.BLANK_FIELD, () -> new Input.Acquire(1, " ", "a", "h", "default"));
        assertProblem(InvalidInputException.Problem.BLANK_FIELD, () -> new Input.Acquire(1, "s", "", "h", "default"));
        assertProblem(InvalidInputException.Problem.BLANK_FIELD, () -> new Input.TabOpened(1, 1, ""));
    }

    @Test
    void negativeTimesAndIdsAreRefused() {
        assertProblem(InvalidInputException.Problem.NEGATIVE_VALUE, () -> new Input.Tick(-1));
        assertProblem(InvalidInputException.Problem.NEGATIVE_VALUE, () -> new Input.Heartbeat(1, "s1", -5));
        assertProblem(InvalidInputException.Problem.NEGATIVE_VALUE, () -> new Input.Cancel(1, 0));
        assertProblem(InvalidInputException.Problem.NEGATIVE_VALUE, () -> new Input.TabOpened(1, -2, "T"));
    }

    @Test
    void timeGoingBackwardsIsRefused() {
        assertProblem(InvalidInputException.Problem.TIME_WENT_BACKWARDS, () -> k.kernel().apply(new Input.Tick(999)));
        assertProblem(InvalidInputException.Problem.TIME_WENT_BACKWARDS,
                () -> k.kernel().apply(new Input.Heartbeat(0, "s1", lease.token())));
    }

    @Test
    void unknownRequestClassIsRefused() {
        assertProblem(InvalidInputException.Problem.UNKNOWN_REQUEST_CLASS,
                () -> k.kernel().apply(new Input.Acquire(2_000, "s9", "a", "h", "ultra")));
    }

    @Test
    void unknownIdsAndStaleTokensAreRefusedWithoutChange() {
        List<Input> inputs = List.of(
                new Input.Heartbeat(2_000, "nope", 1),
                new Input.Heartbeat(2_000, "s2", lease.token()),
                new Input.Heartbeat(2_000, "s1", lease.token() + 100),
                new Input.Release(2_000, "s1", lease.token() + 100, Outcome.COMPLETED),
                new Input.UpdateSession(2_000, "s1", 999, "https://x"),
                new Input.Cancel(2_000, 12_345),
                new Input.TabOpened(2_000, 77, "T77"),
                new Input.TabOpenFailed(2_000, 77, "why"),
                new Input.TabGone(2_000, "T77", GoneCause.OTHER),
                new Input.TabClosed(2_000, lease.targetId()),
                new Input.Acquire(2_000, "s1", "other-key", "h", "default"));
        List<RefuseReason> expected = List.of(RefuseReason.UNKNOWN_SESSION, RefuseReason.NO_LEASE,
                RefuseReason.STALE_TOKEN, RefuseReason.STALE_TOKEN, RefuseReason.STALE_TOKEN,
                RefuseReason.UNKNOWN_REQUEST, RefuseReason.UNKNOWN_TAB, RefuseReason.UNKNOWN_TAB,
                RefuseReason.UNKNOWN_TAB, RefuseReason.NOT_CLOSING, RefuseReason.KEY_MISMATCH);
        for (int i = 0; i < inputs.size(); i++) {
            List<Decision> d = k.apply(inputs.get(i));
            assertEquals(1, d.size(), inputs.get(i) + " -> " + d);
            assertEquals(expected.get(i), find(d, Decision.Refused.class).reason(), inputs.get(i).toString());
            assertEquals(before, k.state(), "state unchanged by " + inputs.get(i));
        }
    }
}
