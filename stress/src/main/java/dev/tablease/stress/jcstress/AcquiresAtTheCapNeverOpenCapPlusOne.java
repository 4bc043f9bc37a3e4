package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
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
 * Race (c), the seed's defect 5: key {@code a} has a cap of 2 and one tab; two new sessions of {@code a}
 * ask at once. One gets the last slot (an {@code OpenTab}), the other waits: never cap + 1 tabs.
 *
 * <p>r1, r2 = each acquire's step: 1 opened a tab and waits for it, 2 queued without a tab, 8 threw,
 * 9 else. r3 = the number of tabs of key {@code a} afterwards (9 when an invariant broke).
 */
@JCStressTest
@Description("two acquires at the cap boundary: never cap+1 tabs")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 2, 2", expect = ACCEPTABLE,
                desc = "the first session got the last slot, the second waits: 2 tabs = the cap"),
        @org.openjdk.jcstress.annotations.Outcome(id = "2, 1, 2", expect = ACCEPTABLE,
                desc = "the second session got the last slot, the first waits: 2 tabs = the cap"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "both opened a tab (cap + 1 ordered), none did, an invariant broke, or a call threw"),
})
@State
public class AcquiresAtTheCapNeverOpenCapPlusOne {
    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(2).globalMax(8).build();

    private final LeaseFacade f;

    public AcquiresAtTheCapNeverOpenCapPlusOne() {
        f = Race.facade(CONFIG);
        Race.setup(f, new Input.Acquire(0, "s0", "a", "h0", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
    }

    @Actor
    public void first(III_Result r) {
        r.r1 = Race.apply(f, new Input.Acquire(1, "s1", "a", "h1", "default"), ds -> code(ds, "s1"));
    }

    @Actor
    public void second(III_Result r) {
        r.r2 = Race.apply(f, new Input.Acquire(1, "s2", "a", "h2", "default"), ds -> code(ds, "s2"));
    }

    @Arbiter
    public void tabs(III_Result r) {
        KernelState s = Race.healthy(f);
        r.r3 = s == null ? Race.UNEXPECTED : (int) s.tabs().stream().filter(t -> t.key().equals("a")).count();
    }

    private static int code(List<Decision> ds, String session) {
        Decision.Queued q = Race.only(ds, Decision.Queued.class);
        if (q == null || !q.sessionId().equals(session)) {
            return Race.UNEXPECTED;
        }
        if (ds.size() == 2 && Race.only(ds, Decision.OpenTab.class) != null) {
            return 1;
        }
        return ds.size() == 1 ? 2 : Race.UNEXPECTED;
    }
}
