package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import dev.tablease.stress.LeaseFacade;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome.Outcomes;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.List;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Race (b): the holder releases its lease (session completed) one millisecond before the session's
 * deadline, while a {@code Tick} at the deadline expires it. The reservation ends exactly once and the
 * tab is pooled (for a reset) exactly once.
 *
 * <p>Budget 100 s, no margin, heartbeat timeout 90 s; the lease was extended at 80 s, so it expires at
 * the deadline D = 100 000 ms. r1 = the release at D-1: 1 released and the reservation ended FINISHED,
 * 3 refused because the tick at D came first (time went backwards), 8 threw, 9 else. r2 = the tick at
 * D: 0 nothing to do, 1 lease revoked and reservation ended by DEADLINE, 8 threw, 9 else. r3 = 1 when
 * afterwards exactly one tab is left, POOLED, marked for reset, with no session, all invariants holding.
 */
@JCStressTest
@Description("release vs deadline expiry of the same lease: the tab is pooled or reset exactly once")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
                desc = "release first: reservation ended FINISHED, tab pooled; the tick finds nothing due"),
        @org.openjdk.jcstress.annotations.Outcome(id = "3, 1, 1", expect = ACCEPTABLE,
                desc = "tick first: lease revoked and reservation ended at the DEADLINE, tab pooled; the late release is refused"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "the reservation ended twice or never, the tab is not pooled exactly once, an invariant broke, or a call threw"),
})
@State
public class ReleaseAndDeadlineEndTheReservationOnce {
    static final long DEADLINE = 100_000;
    static final KernelConfig CONFIG = KernelConfig.builder()
            .requestClass("default", DEADLINE).deadlineMarginMillis(0)
            .heartbeatIntervalMillis(30_000).missedHeartbeats(3).build();

    private final LeaseFacade f;

    public ReleaseAndDeadlineEndTheReservationOnce() {
        f = Race.facade(CONFIG);
        Race.setup(f, new Input.Acquire(0, "s1", "a", "send", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
        Race.setup(f, new Input.Heartbeat(80_000, "s1", 1)); // expiresAt = min(deadline, 170 000) = deadline
    }

    @Actor
    public void release(III_Result r) {
        r.r1 = Race.apply(f, new Input.Release(DEADLINE - 1, "s1", 1, Outcome.COMPLETED), ds -> {
            Decision.ReservationEnded e = Race.only(ds, Decision.ReservationEnded.class);
            boolean released = Race.only(ds, Decision.Released.class) != null;
            return released && e != null && e.reason() == EndReason.FINISHED && ds.size() == 2 ? 1 : Race.UNEXPECTED;
        });
    }

    @Actor
    public void expire(III_Result r) {
        r.r2 = Race.apply(f, new Input.Tick(DEADLINE), ds -> {
            if (ds.isEmpty()) {
                return 0;
            }
            Decision.ReservationEnded e = Race.only(ds, Decision.ReservationEnded.class);
            Decision.Revoked v = Race.only(ds, Decision.Revoked.class);
            return ds.size() == 2 && e != null && e.reason() == EndReason.DEADLINE
                    && v != null && v.reason() == RevokeReason.DEADLINE ? 1 : Race.UNEXPECTED;
        });
    }

    @Arbiter
    public void pooledOnce(III_Result r) {
        KernelState s = Race.healthy(f);
        List<Tab> tabs = s == null ? List.of() : s.tabs();
        r.r3 = s != null && s.sessions().isEmpty() && tabs.size() == 1 && tabs.get(0).state() == TabState.POOLED
                && tabs.get(0).needsReset() ? 1 : 0;
    }
}
