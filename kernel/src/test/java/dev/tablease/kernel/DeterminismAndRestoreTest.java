package dev.tablease.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same inputs give the same decisions and state; a snapshot restores to an equivalent kernel. */
class DeterminismAndRestoreTest {

    /** A fixed scenario touching every input. */
    static List<Input> scenario() {
        return List.of(
                new Input.Acquire(0, "s1", "a", "send", "default"),
                new Input.Acquire(1, "s2", "a", "send", "pro"),
                new Input.Acquire(2, "s1", "a", "poll", "default"),
                new Input.TabOpened(3, 1, "T1"),
                new Input.TabOpened(3, 2, "T2"),
                new Input.UpdateSession(4, "s1", 1, "https://c/1"),
                new Input.Heartbeat(5, "s2", 2),
                new Input.Release(6, "s1", 1, Outcome.DETACH),
                new Input.TabGone(7, "T2", GoneCause.RENDERER_CRASHED),
                new Input.Acquire(8, "s2", "a", "recover", "pro"),
                new Input.Acquire(9, "s3", "b", "send", "default"),
                new Input.TabOpenFailed(10, 4, "net::ERR_FAILED"),
                new Input.Tick(200_000),
                new Input.Cancel(200_001, 99),
                new Input.Tick(40 * 60_000));
    }

    private static List<List<Decision>> run(LeaseKernel k, List<Input> inputs) {
        List<List<Decision>> out = new ArrayList<>();
        for (Input in : inputs) {
            out.add(k.apply(in));
        }
        return out;
    }

    @Test
    void sameInputsGiveSameDecisionsAndSameState() {
        LeaseKernel k1 = new LeaseKernel(KernelConfig.defaults());
        LeaseKernel k2 = new LeaseKernel(KernelConfig.defaults());
        assertEquals(run(k1, scenario()), run(k2, scenario()));
        assertEquals(k1.snapshot(), k2.snapshot());
    }

    @Test
    void restoredKernelBehavesLikeTheOriginalFromEveryPrefix() {
        List<Input> inputs = scenario();
        for (int cut = 0; cut <= inputs.size(); cut++) {
            LeaseKernel original = new LeaseKernel(KernelConfig.defaults());
            run(original, inputs.subList(0, cut));
            LeaseKernel restored = LeaseKernel.restore(KernelConfig.defaults(), original.snapshot());
            assertEquals(original.snapshot(), restored.snapshot());
            assertEquals(original.nextDueAt(), restored.nextDueAt());
            List<Input> rest = inputs.subList(cut, inputs.size());
            assertEquals(run(original, rest), run(restored, rest), "diverged after restoring at step " + cut);
            assertEquals(original.snapshot(), restored.snapshot());
        }
    }

    @Test
    void inconsistentSnapshotIsRefusedNamingTheInvariant() {
        LeaseKernel k = new LeaseKernel(KernelConfig.defaults());
        run(k, scenario().subList(0, 5));
        KernelState good = k.snapshot();
        Session s1 = good.sessions().get(0);
        Session pointingElsewhere = new Session(s1.sessionId(), s1.key(), s1.requestClass(), 999, s1.deadline(),
                s1.conversationUrl(), s1.lease(), s1.drivers(), s1.waitSeq(), s1.recoveryCount());
        KernelState bad = new KernelState(good.lastNow(), good.nextToken(), good.nextTabId(), good.nextRequestId(),
                good.nextWaitSeq(), good.tabs(), List.of(pointingElsewhere, good.sessions().get(1)));
        InvalidStateException e = assertThrows(InvalidStateException.class,
                () -> LeaseKernel.restore(KernelConfig.defaults(), bad));
        assertTrue(e.violations().stream().anyMatch(v -> v.invariant() == InvariantChecker.Invariant.OneTabPerSession),
                e.getMessage());

        KernelConfig tighter = KernelConfig.builder().maxPerKey(1).build();
        e = assertThrows(InvalidStateException.class, () -> LeaseKernel.restore(tighter, good));
        assertTrue(e.violations().stream().anyMatch(v -> v.invariant() == InvariantChecker.Invariant.PerKeyCap));
    }
}
