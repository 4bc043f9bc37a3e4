package dev.tablease.stress.jcstress;

import dev.tablease.kernel.CloseReason;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
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

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Race (e), the seed's defect 2, cleanup flavour: a new session takes the pooled tab T1 one millisecond
 * before its pool TTL ends, while a {@code Tick} at the TTL closes it. Never a session bound to a tab
 * that is being closed.
 *
 * <p>Pool TTL 1 000 ms, T1 pooled at 0. r1 = the acquire at 999: 1 granted on T1, 3 refused because
 * the cleanup came first (time went backwards), 8 threw, 9 else. r2 = the tick at 1 000: 0 nothing
 * to do, 1 closed T1 (POOL_EXPIRED), 8 threw, 9 else. r3 = afterwards, with every invariant holding:
 * 1 T1 RESERVED for the new session; 2 T1 CLOSING and no session; 0 anything else.
 */
@JCStressTest
@Description("binding a reservation vs pool cleanup: never a bound session without its reservation")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
                desc = "binding first: the session reserves T1, which is no longer pooled, so the cleanup finds nothing"),
        @org.openjdk.jcstress.annotations.Outcome(id = "3, 1, 2", expect = ACCEPTABLE,
                desc = "cleanup first: T1 is CLOSING; the late acquire is refused and nothing is bound"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "a session was granted a tab that is being closed, an invariant broke, or a call threw"),
})
@State
public class BindingAndPoolCleanupKeepBindingIsReservation {
    static final long POOL_TTL = 1_000;
    static final KernelConfig CONFIG = KernelConfig.builder().poolTtlMillis(POOL_TTL).build();

    private final LeaseFacade f;

    public BindingAndPoolCleanupKeepBindingIsReservation() {
        f = Race.facade(CONFIG);
        Race.setup(f, new Input.Acquire(0, "old", "a", "h0", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
        Race.setup(f, new Input.Release(0, "old", 1, Outcome.COMPLETED)); // T1 POOLED until 1 000
    }

    @Actor
    public void bind(III_Result r) {
        r.r1 = Race.apply(f, new Input.Acquire(POOL_TTL - 1, "s1", "a", "h1", "default"), ds -> {
            Decision.Granted g = Race.only(ds, Decision.Granted.class);
            return g != null && g.tabId() == 1 && Race.count(ds, d -> d instanceof Decision.CloseTab) == 0
                    ? 1 : Race.UNEXPECTED;
        });
    }

    @Actor
    public void cleanup(III_Result r) {
        r.r2 = Race.apply(f, new Input.Tick(POOL_TTL), ds -> {
            if (ds.isEmpty()) {
                return 0;
            }
            Decision.CloseTab c = Race.only(ds, Decision.CloseTab.class);
            return ds.size() == 1 && c != null && c.tabId() == 1 && c.reason() == CloseReason.POOL_EXPIRED
                    ? 1 : Race.UNEXPECTED;
        });
    }

    @Arbiter
    public void binding(III_Result r) {
        KernelState s = Race.healthy(f);
        Tab t1 = s == null ? null : s.tabs().stream().filter(t -> t.tabId() == 1).findFirst().orElse(null);
        Session s1 = s == null ? null : Race.session(s, "s1");
        if (t1 == null) {
            r.r3 = 0;
        } else if (t1.state() == TabState.RESERVED && s1 != null && s1.tabId() == 1 && s1.lease() != null) {
            r.r3 = 1;
        } else if (t1.state() == TabState.CLOSING && s1 == null && s.sessions().isEmpty()) {
            r.r3 = 2;
        } else {
            r.r3 = 0;
        }
    }
}
