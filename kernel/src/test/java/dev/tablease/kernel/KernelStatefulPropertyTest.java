package dev.tablease.kernel;

import dev.tablease.kernel.StatefulKernelModel.Coverage;
import dev.tablease.kernel.StatefulKernelModel.Step;
import dev.tablease.kernel.StatefulKernelModel.Sut;
import dev.tablease.kernel.StatefulKernelModel.SutFactory;
import dev.tablease.kernel.StatefulKernelModel.World;
import org.junit.jupiter.api.Test;
import org.quicktheories.QuickTheory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

/**
 * Stateful property test of {@link LeaseKernel} with QuickTheories: random sequences of every input
 * (see {@link StatefulKernelModel}) under a small config where leases, deadlines, pooled tabs and
 * waiters expire often. For each generated sequence:
 * <ul>
 *   <li>after every step, every invariant of {@link InvariantChecker} holds (state invariants, the
 *       {@code FencedWrites} step property, {@code NothingOverdue} after a Tick), and the decisions agree
 *       with the state (what a driver and a fair adapter learn from the decisions is what the state
 *       holds: leases, waiters, OPENING/CLOSING tabs, tabs needing a reset; ResetTab/Navigate precede
 *       the Granted that needs them; every request is answered once);</li>
 *   <li>malformed inputs (time going backwards, an unknown request class) raise
 *       {@link InvalidInputException} with the right problem and change nothing;</li>
 *   <li>liveness: after the drivers stop and a fair adapter answers every OpenTab/CloseTab, Ticks past
 *       the longest deadline + queue timeout + pool TTL leave no lease, session, waiter or tab;</li>
 *   <li>determinism: the same inputs on a fresh kernel, and on a kernel restored from the mid-sequence
 *       snapshot, give the same decisions and the same states.</li>
 * </ul>
 * Tuning: {@code -Dkernel.property.examples=N} (default 1500), {@code -Dkernel.property.seed=S} (default:
 * random, printed on failure by QuickTheories as "Seed was …"), {@code -Dkernel.property.maxSteps=N}
 * (default 120), {@code -Dkernel.property.shrinks=N} (default 300). On a failure the
 * report holds QuickTheories' seed and smallest value, then a further minimized sequence of steps with
 * its concrete inputs, decisions and final state.
 *
 * <p>The last three tests show that the property has teeth: the same generator and checks, run against
 * deliberately broken kernels (wrappers; the kernel itself is untouched), must fail.
 */
class KernelStatefulPropertyTest {

    static final int EXAMPLES = Integer.getInteger("kernel.property.examples", 1500);
    static final int MAX_STEPS = Integer.getInteger("kernel.property.maxSteps", 120);
    static final int SHRINKS = Integer.getInteger("kernel.property.shrinks", 300);
    static final Long SEED = Long.getLong("kernel.property.seed");

    /** What the main property must reach at least once; a generator that never gets there tests little. */
    static final List<String> MUST_COVER = List.of(
            "input:Acquire", "input:Heartbeat", "input:Release", "input:UpdateSession", "input:Cancel",
            "input:TabOpened", "input:TabOpenFailed", "input:TabGone", "input:TabClosed", "input:Tick",
            "input:Heartbeat:refused", "input:Release:refused", "input:UpdateSession:refused", "input:Cancel:refused",
            "input:TabOpened:refused", "input:TabOpenFailed:refused", "input:TabGone:refused",
            "input:TabClosed:refused", "input:Acquire:refused",
            "decision:Granted", "decision:Queued", "decision:Extended", "decision:Updated",
            "decision:Released:DETACH", "decision:Released:COMPLETED", "decision:Released:FAILED",
            "decision:Released:CANCELLED",
            "decision:Rejected:QUEUE_FULL", "decision:Rejected:QUEUE_TIMEOUT", "decision:Rejected:OPEN_FAILED",
            "decision:Rejected:SESSION_ENDED", "decision:Rejected:CANCELLED",
            "decision:Refused:STALE_TOKEN", "decision:Refused:NO_LEASE", "decision:Refused:LEASE_EXPIRED",
            "decision:Refused:UNKNOWN_SESSION", "decision:Refused:UNKNOWN_REQUEST", "decision:Refused:UNKNOWN_TAB",
            "decision:Refused:KEY_MISMATCH", "decision:Refused:CLASS_MISMATCH", "decision:Refused:NOT_OPENING",
            "decision:Refused:NOT_CLOSING", "decision:Refused:TARGET_IN_USE",
            "decision:Revoked:HEARTBEAT_MISSED", "decision:Revoked:DEADLINE", "decision:Revoked:TAB_GONE",
            "decision:ReservationEnded:FINISHED", "decision:ReservationEnded:DEADLINE",
            "decision:ReservationEnded:TAB_GONE", "decision:ReservationEnded:OPEN_FAILED",
            "decision:OpenTab", "decision:CloseTab:POOL_EXPIRED", "decision:CloseTab:EVICTED",
            "decision:ResetTab", "decision:Navigate",
            "bad:TIME_WENT_BACKWARDS", "bad:UNKNOWN_REQUEST_CLASS", "quiet-period-clean");

    @Test
    void randomSequencesKeepEveryInvariantAndAreDeterministicAndLeakNothing() {
        Coverage coverage = new Coverage();
        long start = System.nanoTime();
        run(StatefulKernelModel.realKernel(StatefulKernelModel.CONFIG), StatefulKernelModel.CONFIG, EXAMPLES, SEED,
                SHRINKS, coverage);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("KernelStatefulPropertyTest: " + EXAMPLES + " sequences of up to " + MAX_STEPS + " steps in "
                + millis + " ms; coverage: " + coverage);
        List<String> missing = new ArrayList<>();
        for (String what : MUST_COVER) {
            if (coverage.count(what) == 0) {
                missing.add(what);
            }
        }
        // with few examples (a quick local run) rare events may be missed; the default count reaches them all
        if (EXAMPLES >= 1000) {
            assertTrue(missing.isEmpty(), "the generated sequences never reached " + missing + "; coverage: " + coverage);
        }
    }

    // ------------------------------------------------------------------------------ the property has teeth

    /** The kernel runs with caps 2 per key / 3 global, the checker expects 1 / 2: PerKeyCap or GlobalCap must fail. */
    @Test
    void aCheckerWithTighterCapsThanTheKernelIsCaught() {
        KernelConfig tighter = StatefulKernelModel.CONFIG.toBuilder().maxPerKey(1).globalMax(2).build();
        AssertionError e = assertThrows(AssertionError.class,
                () -> run(StatefulKernelModel.realKernel(StatefulKernelModel.CONFIG), tighter, 200, 42L, 50, new Coverage()));
        report("tighter checker caps", e);
        assertTrue(e.getMessage().contains("PerKeyCap") || e.getMessage().contains("GlobalCap"), e::getMessage);
        assertTrue(e.getMessage().contains("Smallest found falsifying value"), e::getMessage);
    }

    /**
     * A broken kernel that accepts stale tokens: a wrapper rewrites the token of every Heartbeat and
     * UpdateSession to the session's current lease token, so a holder that lost its lease still extends
     * it or writes the conversation URL. FencedWrites, checked against the original input, must fail.
     */
    @Test
    void aKernelThatAcceptsStaleTokensIsCaught() {
        SutFactory broken = new SutFactory() {
            @Override
            public Sut fresh() {
                return staleTokenAccepting(new LeaseKernel(StatefulKernelModel.CONFIG));
            }

            @Override
            public Sut restored(KernelState state) {
                return staleTokenAccepting(LeaseKernel.restore(StatefulKernelModel.CONFIG, state));
            }
        };
        AssertionError e = assertThrows(AssertionError.class,
                () -> run(broken, StatefulKernelModel.CONFIG, 200, 42L, 50, new Coverage()));
        report("stale tokens accepted", e);
        assertTrue(e.getMessage().contains("FencedWrites"), e::getMessage);
    }

    /**
     * A broken kernel that never gets the adapter's TabClosed (it answers NOT_CLOSING and keeps the tab
     * CLOSING): every invariant still holds, but tabs stay CLOSING forever; the liveness check must fail.
     */
    @Test
    void aKernelThatLosesTabClosedIsCaughtByTheLivenessCheck() {
        SutFactory broken = new SutFactory() {
            @Override
            public Sut fresh() {
                return tabClosedLosing(new LeaseKernel(StatefulKernelModel.CONFIG));
            }

            @Override
            public Sut restored(KernelState state) {
                return tabClosedLosing(LeaseKernel.restore(StatefulKernelModel.CONFIG, state));
            }
        };
        AssertionError e = assertThrows(AssertionError.class,
                () -> run(broken, StatefulKernelModel.CONFIG, 200, 42L, 50, new Coverage()));
        report("TabClosed lost", e);
        assertTrue(e.getMessage().contains("liveness"), e::getMessage);
        assertTrue(e.getMessage().contains("CLOSING"), e::getMessage);
    }

    /**
     * A broken kernel with the old rule for a dead tab: before each TabGone it forgets the conversation URL of
     * the session the tab is RESERVED for, so the session loses its slot (it ends) instead of moving to a
     * replacement tab. RecoveryKeepsSlot, checked against the state before the rewrite, must fail.
     */
    @Test
    void aKernelWhoseCrashedSessionLosesItsSlotIsCaught() {
        SutFactory broken = new SutFactory() {
            @Override
            public Sut fresh() {
                return slotLosing(new LeaseKernel(StatefulKernelModel.CONFIG));
            }

            @Override
            public Sut restored(KernelState state) {
                return slotLosing(LeaseKernel.restore(StatefulKernelModel.CONFIG, state));
            }
        };
        AssertionError e = assertThrows(AssertionError.class,
                () -> run(broken, StatefulKernelModel.CONFIG, 300, 42L, 50, new Coverage()));
        report("crashed session loses its slot", e);
        assertTrue(e.getMessage().contains("RecoveryKeepsSlot"), e::getMessage);
    }

    // ------------------------------------------------------------------------------ helpers

    static void run(SutFactory factory, KernelConfig checkConfig, int examples, Long seed, int shrinks,
                    Coverage coverage) {
        QuickTheory theory = qt().withExamples(examples).withShrinkCycles(shrinks);
        if (seed != null) {
            theory = theory.withFixedSeed(seed);
        }
        AtomicReference<List<Step>> smallest = new AtomicReference<>();
        try {
            theory.forAll(StatefulKernelModel.sequences(MAX_STEPS)).checkAssert(steps -> {
                try {
                    new World(factory, StatefulKernelModel.CONFIG, checkConfig, coverage).run(steps);
                } catch (AssertionError e) {
                    if (smallest.get() == null || steps.size() <= smallest.get().size()) {
                        smallest.set(steps);
                    }
                    throw e;
                }
            });
        } catch (AssertionError falsified) {
            List<Step> failing = smallest.get();
            if (failing == null) {
                throw falsified;
            }
            throw new AssertionError(falsified.getMessage() + "\n\n" + minimize(factory, checkConfig, failing), falsified);
        }
    }

    /**
     * QuickTheories shrinks the selectors well but rarely drops steps; this removes steps greedily (chunks,
     * then single steps) while the same failure remains, and describes the shortest failing run.
     */
    static String minimize(SutFactory factory, KernelConfig checkConfig, List<Step> failing) {
        String signature = signature(failure(factory, checkConfig, failing));
        if (signature == null) {
            return "(the failing sequence passed when re-run: " + failing + ")";
        }
        List<Step> current = new ArrayList<>(failing);
        long until = System.nanoTime() + 10_000_000_000L;
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1 && System.nanoTime() < until; chunk /= 2) {
            for (int i = current.size() - chunk; i >= 0 && System.nanoTime() < until; i--) {
                List<Step> candidate = new ArrayList<>(current.subList(0, i));
                candidate.addAll(current.subList(Math.min(current.size(), i + chunk), current.size()));
                if (!candidate.isEmpty() && signature.equals(signature(failure(factory, checkConfig, candidate)))) {
                    current = candidate;
                    i = Math.min(i, current.size() - chunk + 1);
                }
            }
        }
        AssertionError e = failure(factory, checkConfig, current);
        return "Minimized to " + current.size() + " steps " + current + "\nfailing with: "
                + (e == null ? "(none?)" : e.getMessage());
    }

    private static AssertionError failure(SutFactory factory, KernelConfig checkConfig, List<Step> steps) {
        try {
            new World(factory, StatefulKernelModel.CONFIG, checkConfig, new Coverage()).run(steps);
            return null;
        } catch (AssertionError e) {
            return e;
        }
    }

    /** The kind of a failure: its first line without numbers (so "tab 3" and "tab 5" are the same failure). */
    private static String signature(AssertionError e) {
        if (e == null || e.getMessage() == null) {
            return null;
        }
        String first = e.getMessage().lines().findFirst().orElse("");
        int colon = first.indexOf(':');
        return (colon > 0 ? first.substring(0, colon) : first).replaceAll("[0-9]+", "#");
    }

    /** Prints how a broken variant was caught: the minimized failure and its shortest concrete trace. */
    private static void report(String variant, AssertionError e) {
        String m = e.getMessage();
        int at = m.indexOf("Minimized to");
        String shown = at < 0 ? m : m.substring(at);
        System.out.println("KernelStatefulPropertyTest: broken variant '" + variant + "' caught as expected:\n"
                + shown.lines().limit(40).reduce((x, y) -> x + "\n" + y).orElse(""));
    }

    static Sut staleTokenAccepting(LeaseKernel k) {
        return new Sut() {
            @Override
            public List<Decision> apply(Input input) {
                Input rewritten = input;
                if (input instanceof Input.Heartbeat h) {
                    long t = currentToken(k, h.sessionId());
                    rewritten = t > 0 ? new Input.Heartbeat(h.now(), h.sessionId(), t) : h;
                } else if (input instanceof Input.UpdateSession u) {
                    long t = currentToken(k, u.sessionId());
                    rewritten = t > 0 ? new Input.UpdateSession(u.now(), u.sessionId(), t, u.conversationUrl()) : u;
                }
                return k.apply(rewritten);
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }

    private static long currentToken(LeaseKernel k, String sessionId) {
        return k.snapshot().sessions().stream().filter(s -> s.sessionId().equals(sessionId) && s.lease() != null)
                .mapToLong(s -> s.lease().token()).findFirst().orElse(0);
    }

    static Sut slotLosing(LeaseKernel start) {
        return new Sut() {
            private LeaseKernel k = start;

            @Override
            public List<Decision> apply(Input input) {
                if (input instanceof Input.TabGone g) {
                    KernelState st = k.snapshot();
                    String owner = st.tabs().stream().filter(t -> g.targetId().equals(t.targetId()))
                            .map(Tab::sessionId).filter(java.util.Objects::nonNull).findFirst().orElse(null);
                    if (owner != null) {
                        List<Session> sessions = st.sessions().stream().map(x -> !x.sessionId().equals(owner) ? x
                                : new Session(x.sessionId(), x.key(), x.requestClass(), x.tabId(), x.deadline(), null,
                                x.lease(), x.drivers(), x.waitSeq(), x.recoveryCount())).toList();
                        k = LeaseKernel.restore(StatefulKernelModel.CONFIG, new KernelState(st.lastNow(), st.nextToken(),
                                st.nextTabId(), st.nextRequestId(), st.nextWaitSeq(), st.tabs(), sessions));
                    }
                }
                return k.apply(input);
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }

    static Sut tabClosedLosing(LeaseKernel k) {
        return new Sut() {
            @Override
            public List<Decision> apply(Input input) {
                if (input instanceof Input.TabClosed c && input.now() >= k.lastNow()) {
                    return List.of(new Decision.Refused(input.name(), RefuseReason.NOT_CLOSING, "lost " + c.targetId()));
                }
                return k.apply(input);
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }
}
