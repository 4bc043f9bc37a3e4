package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.GoneCause;
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

import java.util.List;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Race (f), the seed's defect 1: a detached session's tab died (its renderer crashed); a {@code poll}
 * and the watcher both come back for it at once. Exactly one new tab is opened for the recovery; the
 * second driver waits for it.
 *
 * <p>r1 = the poll, r2 = the watcher: 1 started the recovery (one {@code OpenTab}) and waits for the
 * tab, 2 queued behind the recovery, 8 threw, 9 else. r3 = the number of tabs afterwards when the
 * session is bound to that one OPENING tab with both drivers waiting and every invariant holding; 0 else.
 */
@JCStressTest
@Description("two recoveries of one dead tab: exactly one new tab")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "1, 2, 1", expect = ACCEPTABLE,
                desc = "poll first: it starts the recovery (one new tab); the watcher queues behind it"),
        @org.openjdk.jcstress.annotations.Outcome(id = "2, 1, 1", expect = ACCEPTABLE,
                desc = "watcher first: it starts the recovery (one new tab); the poll queues behind it"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "two new tabs (or none) for one session, an invariant broke, or a call threw"),
})
@State
public class TwoRecoveriesOpenOneNewTab {
    private final LeaseFacade f;

    public TwoRecoveriesOpenOneNewTab() {
        f = Race.facade(KernelConfig.defaults());
        Race.setup(f, new Input.Acquire(0, "s1", "a", "send", "default"));
        Race.setup(f, new Input.TabOpened(0, 1, "T1"));
        Race.setup(f, new Input.UpdateSession(0, "s1", 1, "https://chat.example/c/1"));
        Race.setup(f, new Input.Release(0, "s1", 1, Outcome.DETACH));
        Race.setup(f, new Input.TabGone(0, "T1", GoneCause.RENDERER_CRASHED)); // s1 unbound, keeps its deadline
    }

    @Actor
    public void poll(III_Result r) {
        r.r1 = Race.apply(f, new Input.Acquire(1, "s1", "a", "poll", "default"), TwoRecoveriesOpenOneNewTab::code);
    }

    @Actor
    public void watcher(III_Result r) {
        r.r2 = Race.apply(f, new Input.Acquire(1, "s1", "a", "watcher", "default"), TwoRecoveriesOpenOneNewTab::code);
    }

    @Arbiter
    public void tabs(III_Result r) {
        KernelState s = Race.healthy(f);
        Session s1 = s == null ? null : Race.session(s, "s1");
        if (s1 == null || s.tabs().size() != 1) {
            r.r3 = s == null ? 0 : s.tabs().size();
            return;
        }
        Tab t = s.tabs().get(0);
        r.r3 = t.state() == TabState.OPENING && s1.tabId() == t.tabId() && s1.drivers().size() == 2 ? 1 : 0;
    }

    private static int code(List<Decision> ds) {
        if (ds.size() == 2 && ds.get(0) instanceof Decision.OpenTab && ds.get(1) instanceof Decision.Queued) {
            return 1;
        }
        return ds.size() == 1 && ds.get(0) instanceof Decision.Queued ? 2 : Race.UNEXPECTED;
    }
}
