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
 * Race (f), the seed's defect 1: a detached session's tab died (its renderer crashed). The kernel's
 * {@code TabGone} rule already moved the reservation to one replacement tab under the same slot
 * ({@code ReservationMoved} + one {@code OpenTab}); now a {@code poll} and the watcher both come back for
 * the session at once. Neither opens a second tab: both queue behind the one replacement.
 *
 * <p>r1 = the poll, r2 = the watcher: 1 opened a tab (a second one) and queued, 2 queued behind the
 * replacement tab, 8 threw, 9 else. r3 = 1 when the session is bound to that one OPENING tab with both
 * drivers waiting, its recovery counted once, and every invariant holding; else the number of tabs.
 */
@JCStressTest
@Description("two drivers return to a crashed session: one replacement tab, both queue behind it")
@Outcomes({
        @org.openjdk.jcstress.annotations.Outcome(id = "2, 2, 1", expect = ACCEPTABLE,
                desc = "both queue behind the one replacement tab the crash's recovery opened"),
        @org.openjdk.jcstress.annotations.Outcome(expect = FORBIDDEN,
                desc = "a second new tab (or none), a driver lost, an invariant broke, or a call threw"),
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
        Race.setup(f, new Input.TabGone(0, "T1", GoneCause.RENDERER_CRASHED)); // s1 moves to a replacement tab, same slot
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
        r.r3 = t.state() == TabState.OPENING && s1.tabId() == t.tabId() && s1.drivers().size() == 2
                && s1.recoveryCount() == 1 ? 1 : 0;
    }

    private static int code(List<Decision> ds) {
        if (ds.size() == 2 && ds.get(0) instanceof Decision.OpenTab && ds.get(1) instanceof Decision.Queued) {
            return 1;
        }
        return ds.size() == 1 && ds.get(0) instanceof Decision.Queued ? 2 : Race.UNEXPECTED;
    }
}
