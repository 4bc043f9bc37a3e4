package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.stress.LeaseFacade;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome.Outcomes;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Race (d), the seed's defect 4: the driver's heartbeat, one millisecond before its lease expires, races
 * a watcher that asks for the session at the expiry instant (the facade ticks first, so the watcher's
 * call is what expires the lease). The lease is extended or expired, never both.
 *
 * <p>Heartbeat timeout 90 s, deadline 100 s; the lease granted at 0 expires at E = 90 000 ms. r1 = the
 * heartbeat at E-1: 1 extended, 2 refused, 3 refused because the expiry came first (time went
 * backwards), 8 threw, 9 else. r2 = the watcher at E: 1 the send's lease revoked (HEARTBEAT_MISSED) and
 * the watcher granted, 2 queued behind a live lease, 8 threw, 9 else. r3 = the lease afterwards: 1 the
 * send's, extended to the deadline, with the watcher waiting; 2 the watcher's, with a fresh token;
 * 0 anything else.
 */
@JCStressTest
@Description("heartbeat vs expiry: extended or expired, never both")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 2, 1", expect = ACCEPTABLE,
                desc = "heartbeat first: the lease is extended; the watcher waits behind the live driver"),
        @org.openjdk.jcstress.annotations.Outcome(id = "3, 1, 2", expect = ACCEPTABLE,
                desc = "expiry first: the lease is revoked and the watcher takes over; the late heartbeat is refused"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "extended and expired both (or neither), two holders, an invariant broke, or a call threw"),
})
@State
public class HeartbeatAndExpiryNeverBoth {
    static final long EXPIRY = 90_000;
    static final KernelConfig CONFIG = KernelConfig.builder()
            .requestClass("default", 100_000).deadlineMarginMillis(0)
            .heartbeatIntervalMillis(30_000).missedHeartbeats(3).build();

    private final LeaseFacade f;

    public HeartbeatAndExpiryNeverBoth() {
        f = Race.facade(CONFIG);
        Race.setup(f, new Input.Acquire(0, "s1", "a", "send", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1")); // token 1, expiresAt 90 000
    }

    @Actor
    public void heartbeat(III_Result r) {
        r.r1 = Race.apply(f, new Input.Heartbeat(EXPIRY - 1, "s1", 1), ds -> {
            if (ds.size() == 1 && ds.get(0) instanceof Decision.Extended e && e.expiresAt() == 100_000) {
                return 1;
            }
            return ds.size() == 1 && ds.get(0) instanceof Decision.Refused ? 2 : Race.UNEXPECTED;
        });
    }

    @Actor
    public void watcher(III_Result r) {
        r.r2 = Race.apply(f, new Input.Acquire(EXPIRY, "s1", "a", "watcher", "default"), ds -> {
            Decision.Revoked v = Race.only(ds, Decision.Revoked.class);
            Decision.Granted g = Race.only(ds, Decision.Granted.class);
            if (v != null && v.token() == 1 && v.reason() == RevokeReason.HEARTBEAT_MISSED
                    && g != null && g.holder().equals("watcher") && g.token() == 2) {
                return 1;
            }
            return ds.size() == 1 && ds.get(0) instanceof Decision.Queued ? 2 : Race.UNEXPECTED;
        });
    }

    @Arbiter
    public void lease(III_Result r) {
        KernelState s = Race.healthy(f);
        Session s1 = s == null ? null : Race.session(s, "s1");
        if (s1 == null || s1.lease() == null) {
            r.r3 = 0;
        } else if (s1.lease().token() == 1 && s1.lease().expiresAt() == 100_000 && s1.drivers().size() == 1
                && s1.drivers().get(0).holder().equals("watcher")) {
            r.r3 = 1;
        } else if (s1.lease().token() == 2 && s1.lease().holder().equals("watcher") && s1.drivers().isEmpty()) {
            r.r3 = 2;
        } else {
            r.r3 = 0;
        }
    }
}
