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
 * Race (e), the seed's defect 2, eviction flavour: the global cap (2) is full with a pooled tab T1 of
 * key {@code b} and a reserved tab of key {@code a}. A new session of {@code b} takes the pooled T1
 * (binding) while a new session of {@code a} evicts the oldest idle tab, T1. Never a session bound to
 * (or driving) a tab that is being closed: no binding without its reservation.
 *
 * <p>r1 = the {@code b} acquire: 1 granted on T1, 2 queued, 8 threw, 9 else. r2 = the {@code a}
 * acquire: 1 queued (nothing left to evict), 2 evicted T1 and queued, 8 threw, 9 else. r3 = afterwards,
 * with every invariant holding: 1 T1 RESERVED for the {@code b} session; 2 T1 CLOSING and both new
 * sessions waiting; 0 anything else.
 */
@JCStressTest
@Description("binding a reservation vs eviction: never a bound session without its reservation")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
                desc = "binding first: b's session reserves T1; a's session finds nothing idle to evict and waits"),
        @org.openjdk.jcstress.annotations.Outcome(id = "2, 2, 2", expect = ACCEPTABLE,
                desc = "eviction first: T1 is CLOSING; both sessions wait for the freed slot"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "a session was granted a tab that is being evicted, an invariant broke, or a call threw"),
})
@State
public class BindingAndEvictionKeepBindingIsReservation {
    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(2).globalMax(2).build();

    private final LeaseFacade f;

    public BindingAndEvictionKeepBindingIsReservation() {
        f = Race.facade(CONFIG);
        Race.setup(f, new Input.Acquire(0, "old", "b", "h0", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
        Race.setup(f, new Input.Release(0, "old", 1, Outcome.COMPLETED)); // T1 POOLED, key b
        Race.setup(f, new Input.Acquire(0, "sa", "a", "ha", "default"));
        Race.setup(f, new Input.TabOpened(0, 2, "T2"));                     // T2 RESERVED, key a: global cap full
    }

    @Actor
    public void bind(III_Result r) {
        r.r1 = Race.apply(f, new Input.Acquire(1, "sb", "b", "hb", "default"), ds -> {
            Decision.Granted g = Race.only(ds, Decision.Granted.class);
            if (g != null && g.tabId() == 1 && Race.count(ds, d -> d instanceof Decision.CloseTab) == 0) {
                return 1;
            }
            return ds.size() == 1 && ds.get(0) instanceof Decision.Queued ? 2 : Race.UNEXPECTED;
        });
    }

    @Actor
    public void evict(III_Result r) {
        r.r2 = Race.apply(f, new Input.Acquire(1, "sa2", "a", "ha2", "default"), ds -> {
            if (ds.size() == 1 && ds.get(0) instanceof Decision.Queued) {
                return 1;
            }
            Decision.CloseTab c = Race.only(ds, Decision.CloseTab.class);
            return ds.size() == 2 && c != null && c.tabId() == 1 && c.reason() == CloseReason.EVICTED
                    && Race.only(ds, Decision.Queued.class) != null ? 2 : Race.UNEXPECTED;
        });
    }

    @Arbiter
    public void binding(III_Result r) {
        KernelState s = Race.healthy(f);
        Tab t1 = s == null ? null : s.tabs().stream().filter(t -> t.tabId() == 1).findFirst().orElse(null);
        Session sb = s == null ? null : Race.session(s, "sb");
        Session sa2 = s == null ? null : Race.session(s, "sa2");
        if (t1 == null || sb == null || sa2 == null) {
            r.r3 = 0;
        } else if (t1.state() == TabState.RESERVED && "sb".equals(t1.sessionId()) && sb.tabId() == 1
                && sb.lease() != null && sa2.isWaiting()) {
            r.r3 = 1;
        } else if (t1.state() == TabState.CLOSING && t1.sessionId() == null && sb.isWaiting() && sa2.isWaiting()) {
            r.r3 = 2;
        } else {
            r.r3 = 0;
        }
    }
}
